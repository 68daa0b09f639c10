import { describe, expect, it } from 'vitest';
import { substitute, SubstitutionError } from '../../../src/core/flux/envsubst.js';

// Expectations from fluxcd/pkg envsubst's documented grammar and its parser's behaviour.
const vars: Record<string, string | null> = { NAME: 'podinfo', EMPTY: '', PATH_V: 'a/b/c.tar.gz', SECRETLESS: null };
const lookup = (name: string) => (name in vars ? vars[name]! : undefined);
const run = (text: string) => substitute(text, lookup);

describe('Flux variable substitution', () => {
  it('substitutes ${var} and leaves $var and lone dollars alone', () => {
    expect(run('app: ${NAME}, shell: $NAME, cost: 5$').text).toBe('app: podinfo, shell: $NAME, cost: 5$');
  });

  it('reads $$ as one literal dollar, so $${var} is the text ${var}', () => {
    expect(run('a: $${NAME} b: $$x').text).toBe('a: ${NAME} b: $x');
  });

  it('applies defaults when the variable is empty or set by no source', () => {
    expect(run('${MISSING:=fallback} ${EMPTY:-dash} ${NAME:=unused} ${MISSING=eq}').text).toBe('fallback dash podinfo eq');
    expect(run('${MISSING:=pre-${NAME}-post}').text).toBe('pre-podinfo-post');
  });

  it('substitutes an empty string for a variable no source defines, and says which', () => {
    const result = run('x: "${MISSING}" y: ${MISSING:=d}');
    expect(result.text).toBe('x: "" y: d');
    expect([...result.empty]).toEqual(['MISSING']);
    expect([...result.unresolved]).toEqual([]);
  });

  it('keeps a variable whose value is unknown as written, defaults and all', () => {
    const result = run('a: ${SECRETLESS} b: ${SECRETLESS:=x} c: ${MISSING:=${SECRETLESS}} d: ${NAME:=${SECRETLESS}}');
    expect(result.text).toBe('a: ${SECRETLESS} b: ${SECRETLESS:=x} c: ${MISSING:=${SECRETLESS}} d: podinfo');
    expect([...result.unresolved]).toEqual(['SECRETLESS']);
  });

  it('evaluates length, case, substrings, glob trims and replaces', () => {
    // "${NAME:-4}" is the default operator, not a negative offset.
    expect(run('${#NAME} ${NAME^} ${NAME^^} ${NAME:3} ${NAME:0:3} ${NAME:-4}').text).toBe('7 Podinfo PODINFO info pod podinfo');
    // Go's path.Match: "*" never matches a "/", so ## cannot strip more than one segment (unlike bash).
    expect(run('${PATH_V#*/} ${PATH_V##*/} ${PATH_V%.*} ${PATH_V%%.*}').text).toBe('b/c.tar.gz b/c.tar.gz a/b/c.tar a/b/c');
    expect(run('${PATH_V/\\//-} ${PATH_V//\\//-} ${NAME/#pod/web} ${NAME/%info/cast}').text).toBe('a-b/c.tar.gz a-b-c.tar.gz webinfo podcast');
  });

  it('fails where Flux fails to parse', () => {
    for (const bad of ['${NAME', '${}', '${NAME-default}', '${NAME:=abc', '${1x!}']) expect(() => run(bad), bad).toThrow(SubstitutionError);
  });
});
