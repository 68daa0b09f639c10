// How `kubectl apply -f` cuts a file into documents before decoding them, as
// k8s.io/apimachinery's YAMLOrJSONDecoder does (pkg/util/yaml/decoder.go): a file
// whose first non-space character is "{" is read as a stream of JSON values.
// When a value does not parse after at most one good one, the rest of the file —
// from the end of the last good value, past the spaces up to the first line
// break — is read as YAML; after two or more good values it is an error.
// Everything else is one YAML stream.
import { RenderError } from '../errors.js';

/** A piece of a file to parse as YAML (JSON is YAML), with the line it starts on (1-based). */
export interface Segment {
  text: string;
  line: number;
}

// Go's unicode.IsSpace, which the decoder trims with; JSON itself skips only these four.
const GO_SPACE = /[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/;
const JSON_SPACE = /[ \t\r\n]/;
const SCALAR = /[^ \t\r\n{}[\],:"]+/y;

/** Line numbers of offsets asked in increasing order, in one pass over the text. */
function lineCounter(text: string): (offset: number) => number {
  let line = 1;
  let next = text.indexOf('\n');
  return (offset) => {
    for (; next !== -1 && next < offset; next = text.indexOf('\n', next + 1)) line++;
    return line;
  };
}

function startsAsJson(text: string): boolean {
  for (const char of text) if (!GO_SPACE.test(char)) return char === '{';
  return false;
}

/** The index after the closing quote of the string opening at `start`, or -1. */
function stringEnd(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '"') return i + 1;
  }
  return -1;
}

/** The end of the JSON value starting at `start` when it is valid JSON, else null. */
function jsonValueEnd(text: string, start: number): number | null {
  let end = -1;
  const first = text[start];
  if (first === '{' || first === '[') {
    let depth = 0;
    for (let i = start; i < text.length; i++) {
      const c = text[i];
      if (c === '"') {
        i = stringEnd(text, i) - 1;
        if (i < 0) return null;
      } else if (c === '{' || c === '[') {
        depth++;
      } else if ((c === '}' || c === ']') && --depth === 0) {
        end = i + 1;
        break;
      }
    }
  } else if (first === '"') {
    end = stringEnd(text, start);
  } else {
    SCALAR.lastIndex = start;
    end = SCALAR.test(text) ? SCALAR.lastIndex : -1;
  }
  if (end === -1) return null;
  try {
    JSON.parse(text.slice(start, end));
    return end;
  } catch {
    return null;
  }
}

/** Past the spaces after `from`, up to and including the first line break. */
function pastSpaceLine(text: string, from: number): number {
  let i = from;
  while (i < text.length && GO_SPACE.test(text[i]!)) if (text[i++] === '\n') break;
  return i;
}

/** The pieces of `file` that kubectl decodes one after the other. */
export function kubectlSegments(text: string, file: string): Segment[] {
  if (!startsAsJson(text)) return [{ text, line: 1 }];
  const lineAt = lineCounter(text);
  const values: Segment[] = [];
  let position = 0;
  for (;;) {
    let start = position;
    while (start < text.length && JSON_SPACE.test(text[start]!)) start++;
    if (start === text.length) return values;
    const end = jsonValueEnd(text, start);
    if (end !== null) {
      values.push({ text: text.slice(start, end), line: lineAt(start) });
      position = end;
      continue;
    }
    if (values.length > 1) throw new RenderError('invalid JSON: a stream of JSON objects continues with something that is not JSON', file, lineAt(start));
    const rest = pastSpaceLine(text, position);
    return [...values, { text: text.slice(rest), line: lineAt(rest) }];
  }
}
