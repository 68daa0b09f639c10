// YAML for diffs, fast: the review emits YAML for every changed object and the
// general-purpose library (a document model per object) dominated the profile.
// This emitter lays out plain JSON data exactly as `yaml` does with our options
// (block style, sequences indented, no line folding, literal blocks for
// multi-line strings) and asks the library only how to write a scalar, once per
// distinct value.
import { stringify } from 'yaml';
import type { JsonObject, JsonValue } from '../resource.js';

const SCALAR_OPTIONS = { lineWidth: 0, blockQuote: 'literal' } as const;
const MAX_MEMO = 50_000;
const scalars = new Map<string, string>();

// Words and paths the library writes as they are: a letter first, nothing a YAML reader would take for
// another type (the core schema's true/false/null in any case are the exceptions, checked below).
const PLAIN = /^[A-Za-z][A-Za-z0-9._/-]*$/;
const RESERVED = /^(true|false|null)$/i;

/** How the library writes a one-line string (quoted when YAML would read it as something else). */
function scalarString(value: string): string {
  if (PLAIN.test(value) && !RESERVED.test(value)) return value;
  let text = scalars.get(value);
  if (text === undefined) {
    text = stringify(value, SCALAR_OPTIONS).replace(/\n$/, '');
    if (scalars.size >= MAX_MEMO) scalars.clear();
    scalars.set(value, text);
  }
  return text;
}

/** A literal block scalar, with the chomping and indentation indicators YAML needs. */
function literalBlock(value: string, indent: string): string | null {
  // Control characters cannot appear in a block scalar; let the library quote those.
  if (/[\u0000-\u0008\u000b-\u001f\u007f]/.test(value)) return null;
  const trailing = /\n*$/.exec(value)![0].length;
  const chomp = trailing === 0 ? '-' : trailing === 1 ? '' : '+';
  // The last line break ends the last line; any before it are kept blank lines.
  const body = trailing === 0 ? value : value.slice(0, -1);
  const lines = body.split('\n');
  // A first line that starts with a space needs an explicit indentation.
  const indicator = /^[ ]/.test(lines[0] ?? '') ? '2' : '';
  const childIndent = `${indent}  `;
  return `|${indicator}${chomp}\n${lines.map((line) => (line === '' ? '' : childIndent + line)).join('\n')}`;
}

function scalar(value: JsonValue, indent: string): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : stringify(value).replace(/\n$/, '');
  if (typeof value === 'string') {
    if (value.includes('\n')) return literalBlock(value, indent) ?? stringify(value, SCALAR_OPTIONS).replace(/\n$/, '');
    return scalarString(value);
  }
  return '';
}

function isCollection(value: JsonValue): value is JsonObject | JsonValue[] {
  return typeof value === 'object' && value !== null;
}

function isEmpty(value: JsonObject | JsonValue[]): boolean {
  return Array.isArray(value) ? value.length === 0 : Object.keys(value).length === 0;
}

function emptyText(value: JsonObject | JsonValue[]): string {
  return Array.isArray(value) ? '[]' : '{}';
}

/** Lines of a mapping whose keys start at `indent`. */
function mapping(object: JsonObject, indent: string, out: string[], firstPrefix?: string): void {
  let first = true;
  for (const key of Object.keys(object)) {
    const value = object[key]!;
    const head = `${first && firstPrefix !== undefined ? firstPrefix : indent}${scalarString(key)}:`;
    first = false;
    if (!isCollection(value)) {
      out.push(`${head} ${scalar(value, indent)}`);
    } else if (isEmpty(value)) {
      out.push(`${head} ${emptyText(value)}`);
    } else {
      out.push(head);
      if (Array.isArray(value)) sequence(value, `${indent}  `, out);
      else mapping(value, `${indent}  `, out);
    }
  }
}

/** Lines of a sequence whose dashes start at `indent`. */
function sequence(items: JsonValue[], indent: string, out: string[], firstPrefix?: string): void {
  let first = true;
  for (const item of items) {
    const dash = `${first && firstPrefix !== undefined ? firstPrefix : indent}- `;
    first = false;
    if (!isCollection(item)) {
      out.push(`${dash}${scalar(item, indent)}`);
    } else if (isEmpty(item)) {
      out.push(`${dash}${emptyText(item)}`);
    } else if (Array.isArray(item)) {
      sequence(item, `${indent}  `, out, dash);
    } else {
      mapping(item, `${indent}  `, out, dash);
    }
  }
}

/** YAML text of plain JSON data, byte for byte what `yaml` writes with the options above. */
export function emitYaml(object: JsonObject): string {
  if (isEmpty(object)) return '{}\n';
  const out: string[] = [];
  mapping(object, '', out);
  return `${out.join('\n')}\n`;
}
