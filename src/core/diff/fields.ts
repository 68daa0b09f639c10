import { isObject, type JsonObject, type JsonValue } from '../resource.js';
import { mergeKeyFor } from './merge-keys.js';

export interface FieldChange {
  /** e.g. spec.template.spec.containers[name=web].image */
  path: string;
  /** null when the field is absent on that side. */
  before: JsonValue;
  after: JsonValue;
}

export function deepEqual(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  for (const key of keys) if (!(key in b) || !deepEqual(a[key], b[key])) return false;
  return true;
}

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/;
const PLAIN_VALUE = /^[A-Za-z0-9_./:-]+$/;

export function fieldSegment(key: string): string {
  return PLAIN_KEY.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

export function itemSegment(key: string, value: JsonValue | undefined): string {
  const text = String(value);
  return `[${key}=${PLAIN_VALUE.test(text) ? text : JSON.stringify(text)}]`;
}

function join(path: string, segment: string): string {
  return path === '' && segment.startsWith('.') ? segment.slice(1) : path + segment;
}

/**
 * Field-level changes between two objects. Maps are compared key by key, lists of
 * objects item by item through their merge key, so reordering keys or keyed items
 * is no change. Lists of scalars (args, command) change as a whole.
 */
export function diffFields(before: JsonObject, after: JsonObject): FieldChange[] {
  const out: FieldChange[] = [];
  walk(before, after, '', '', out);
  return out;
}

function walk(a: JsonValue | undefined, b: JsonValue | undefined, path: string, field: string, out: FieldChange[]): void {
  if (deepEqual(a, b)) return;
  if (isObject(a) && isObject(b)) {
    for (const key of Object.keys(a)) walk(a[key], b[key], join(path, fieldSegment(key)), key, out);
    for (const key of Object.keys(b)) if (!(key in a)) walk(undefined, b[key], join(path, fieldSegment(key)), key, out);
    return;
  }
  if (Array.isArray(a) && Array.isArray(b) && (a.some(isObject) || b.some(isObject))) {
    const key = mergeKeyFor(field, a, b);
    if (key === null) {
      const length = Math.max(a.length, b.length);
      for (let i = 0; i < length; i++) walk(a[i], b[i], `${path}[${i}]`, field, out);
      return;
    }
    const byKey = new Map((b as JsonObject[]).map((item) => [String(item[key]), item]));
    const seen = new Set<string>();
    for (const item of a as JsonObject[]) {
      const id = String(item[key]);
      seen.add(id);
      walk(item, byKey.get(id), path + itemSegment(key, item[key]), field, out);
    }
    for (const item of b as JsonObject[]) {
      if (!seen.has(String(item[key]))) walk(undefined, item, path + itemSegment(key, item[key]), field, out);
    }
    return;
  }
  out.push({ path, before: a ?? null, after: b ?? null });
}
