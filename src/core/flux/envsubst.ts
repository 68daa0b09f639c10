// Flux's post-build variable substitution grammar (fluxcd/pkg envsubst, a fork of
// drone/envsubst): only `${…}` expressions, `$$` for a literal `$`, defaults
// (`:=`, `:-`, `=`, and `:?`/`:+`, which act as defaults too), length, case,
// substrings, glob trims and literal replaces. A variable whose value is not
// known offline keeps its whole expression, so the prediction shows it. Pure.

/**
 * A variable's value; undefined when no source defines it (Flux substitutes ""),
 * null when it cannot be known offline (its expression then stays as written).
 */
export type Lookup = (name: string) => string | null | undefined;

export class SubstitutionError extends Error {}

type Node = { text: string } | Expression;

interface Expression {
  /** The variable. */
  param: string;
  /** The operator as Flux's parser names it: "", ":=", "=", "#", "##", "%", ":", "/", "//", "^^", … */
  op: string;
  args: Node[];
  /** The expression as written, kept when its value is unknown. */
  raw: string;
}

const isIdent = (c: string) => /^[\p{L}\p{Nd}_]$/u.test(c);
// The operators Flux evaluates as a default (`${var-x}` and `${var+x}` do not parse at all).
const DEFAULT_OPS = new Set(['=', ':=', ':-', ':?', ':+']);

/** A recursive-descent reading of the grammar, mirroring the states of Flux's scanner. */
class Parser {
  private pos = 0;
  constructor(private readonly s: string) {}

  private peek(): string {
    return this.s[this.pos] ?? '';
  }

  private opensExpression(): boolean {
    return this.s.startsWith('${', this.pos);
  }

  parseAll(): Node[] {
    const nodes: Node[] = [];
    while (this.pos < this.s.length) {
      if (this.opensExpression()) {
        nodes.push(this.expression());
        continue;
      }
      let text = '';
      while (this.pos < this.s.length && !this.opensExpression()) {
        // "$$" is one literal "$" (so "$${x}" is the text "${x}").
        if (this.s.startsWith('$$', this.pos)) {
          text += '$';
          this.pos += 2;
          continue;
        }
        text += this.s[this.pos++];
      }
      nodes.push({ text });
    }
    return nodes;
  }

  /** `${…}`, from its "$". */
  private expression(): Expression {
    const start = this.pos;
    this.pos += 2;
    const node = (param: string, op: string, args: Node[]): Expression => ({ param, op, args, raw: this.s.slice(start, this.pos) });
    if (this.peek() === '#') {
      this.pos++;
      const param = this.ident();
      if (!param) throw new SubstitutionError('bad substitution');
      this.closing();
      return node(param, '#', []);
    }
    const param = this.ident();
    if (!param) throw new SubstitutionError('unable to parse variable name');
    const c = this.peek();
    if (c === ':' && '=-?+'.includes(this.s[this.pos + 1] ?? '\u0000')) return this.defaults(param, this.take(2), node);
    if (c === '=') return this.defaults(param, this.take(1), node);
    if (c === ':') return this.substring(param, node);
    if (c === ',' || c === '^') {
      const op = this.run((ch, i) => ch === c && i < 2);
      this.closing();
      return node(param, op, []);
    }
    if (c === '/') return this.replace(param, node);
    if (c === '#' || c === '%') {
      const op = this.run((ch, i) => ch === c && i < 2);
      const args = [this.param((ch) => ch !== '}', false)];
      this.closing();
      return node(param, op, args);
    }
    if (c !== '}') throw new SubstitutionError('missing closing brace');
    this.pos++;
    return node(param, '', []);
  }

  private defaults(param: string, op: string, node: (p: string, o: string, a: Node[]) => Expression): Expression {
    const args: Node[] = [];
    while (this.peek() !== '}') args.push(this.param((ch) => ch !== '}', false));
    this.pos++;
    return node(param, op, args);
  }

  private substring(param: string, node: (p: string, o: string, a: Node[]) => Expression): Expression {
    this.pos++;
    const args = [this.param((ch) => ch !== ':' && ch !== '}', false)];
    if (this.peek() === '}') {
      this.pos++;
      return node(param, ':', args);
    }
    if (this.peek() !== ':') throw new SubstitutionError('bad substitution');
    this.run((ch) => ch === ':');
    args.push(this.param((ch) => ch !== '}', false));
    this.closing();
    return node(param, ':', args);
  }

  private replace(param: string, node: (p: string, o: string, a: Node[]) => Expression): Expression {
    const op = this.run((ch, i) => (i === 0 ? ch === '/' : i === 1 && '/#%'.includes(ch)));
    const args = [this.param((ch) => ch !== '/', true)];
    if (this.peek() !== '/') throw new SubstitutionError('bad substitution');
    this.run((ch) => ch === '/');
    if (this.peek() !== '}') args.push(this.param((ch) => ch !== '}', true));
    this.closing();
    return node(param, op, args);
  }

  /** One argument: a nested expression, or text up to what `accept` refuses (escapes only where Flux allows them). */
  private param(accept: (ch: string) => boolean, escapes: boolean): Node {
    if (this.opensExpression()) return this.expression();
    let text = '';
    while (this.pos < this.s.length && !this.opensExpression()) {
      const two = this.s.slice(this.pos, this.pos + 2);
      if (escapes && (two === '$$' || two === '\\/' || two === '\\\\')) {
        text += two[1];
        this.pos += 2;
        continue;
      }
      if (!accept(this.peek())) break;
      text += this.s[this.pos++];
    }
    if (!text) throw new SubstitutionError('unable to parse substitution within function');
    return { text };
  }

  private ident(): string {
    return this.run((ch) => isIdent(ch));
  }

  private run(accept: (ch: string, i: number) => boolean): string {
    const start = this.pos;
    while (this.pos < this.s.length && accept(this.s[this.pos]!, this.pos - start)) this.pos++;
    return this.s.slice(start, this.pos);
  }

  private take(n: number): string {
    this.pos += n;
    return this.s.slice(this.pos - n, this.pos);
  }

  private closing(): void {
    if (this.peek() !== '}') throw new SubstitutionError('bad substitution');
    this.pos++;
  }
}

/** Go's path.Match pattern as a regular expression: `*` and `?` never match "/". */
function globRegex(pattern: string): RegExp {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else if (c === '\\' && i + 1 < pattern.length) out += escapeRegex(pattern[++i]!);
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end === -1) throw new SubstitutionError('syntax error in pattern');
      const body = pattern.slice(i + 1, end);
      out += `[${body.startsWith('^') ? `^${body.slice(1).replace(/[\]\\]/g, '\\$&')}` : body.replace(/[\]\\]/g, '\\$&')}]`;
      i = end;
    } else out += escapeRegex(c);
  }
  return new RegExp(`^${out}$`, 'su');
}

const escapeRegex = (c: string) => c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** The prefix of `s` a glob trims: the shortest or longest that matches, as Flux tries them. */
function trimPrefix(s: string, pattern: string, longest: boolean): string {
  const re = globRegex(pattern);
  let match = '';
  for (let i = 0; i < s.length; i++) {
    const prefix = s.slice(0, s.length - i);
    if (re.test(prefix)) {
      match = prefix;
      if (longest) break;
    }
  }
  return s.slice(match.length);
}

const reverse = (s: string) => [...s].reverse().join('');

function apply(op: string, v: string, args: string[]): string {
  switch (op) {
    case '':
      return v;
    case '#':
      return args.length ? trimPrefix(v, args[0]!, false) : String(Buffer.byteLength(v));
    case '##':
      return trimPrefix(v, args[0]!, true);
    case '%':
    case '%%':
      return reverse(trimPrefix(reverse(v), reverse(args[0]!), op === '%%'));
    case ',':
      return v ? v[0]!.toLowerCase() + v.slice(1) : v;
    case ',,':
      return v.toLowerCase();
    case '^':
      return v ? v[0]!.toUpperCase() + v.slice(1) : v;
    case '^^':
      return v.toUpperCase();
    case ':':
      return substring(v, args);
    case '/':
      return v.replace(args[0]!, args[1] ?? '');
    case '//':
      return v.split(args[0]!).join(args[1] ?? '');
    case '/#':
      return args.length === 2 && v.startsWith(args[0]!) ? args[1] + v.slice(args[0]!.length) : v;
    case '/%':
      return args.length === 2 && v.endsWith(args[0]!) ? v.slice(0, v.length - args[0]!.length) + args[1] : v;
    default:
      // The default operators (and any other, as Flux's lookup falls back to its default function).
      return v === '' && args.length ? args.join('') : v;
  }
}

function substring(v: string, args: string[]): string {
  const int = (text: string | undefined) => (text !== undefined && /^[+-]?\d+$/.test(text) ? Number(text) : null);
  let pos = int(args[0]);
  if (pos === null) return v;
  if (pos < 0) pos = Math.max(0, v.length + pos);
  if (args.length === 1) return pos < v.length ? v.slice(pos) : '';
  const length = int(args[1]);
  if (length === null) return v;
  if (pos + length >= v.length) return pos < v.length ? v.slice(pos) : '';
  return v.slice(pos, pos + length);
}

export interface Substituted {
  text: string;
  /** Variables whose value is unknown: their expressions are left as written. */
  unresolved: Set<string>;
  /** Variables defined by no source and used without a default: Flux substitutes "" for them. */
  empty: Set<string>;
}

/**
 * Substitutes every `${…}` expression of `text`. Throws a SubstitutionError where
 * Flux's parser fails (the Kustomization would fail the same way).
 */
export function substitute(text: string, lookup: Lookup): Substituted {
  const unresolved = new Set<string>();
  const empty = new Set<string>();
  const UNKNOWN = Symbol('unknown');
  const evaluate = (node: Node): string | typeof UNKNOWN => {
    if (!('param' in node)) return node.text;
    const found = lookup(node.param);
    if (found === null) {
      unresolved.add(node.param);
      return UNKNOWN;
    }
    const value = found ?? '';
    // A default is evaluated only when it is used: a set variable needs nothing else to be known.
    if (DEFAULT_OPS.has(node.op) && value !== '') return value;
    const args = node.args.map(evaluate);
    if (args.includes(UNKNOWN)) return UNKNOWN;
    if (found === undefined && !DEFAULT_OPS.has(node.op)) empty.add(node.param);
    return apply(node.op, value, args as string[]);
  };
  const out = new Parser(text).parseAll().map((node) => {
    const value = evaluate(node);
    return value === UNKNOWN ? (node as Expression).raw : value;
  });
  return { text: out.join(''), unresolved, empty };
}
