import { isObject, type JsonObject, type JsonValue } from '../resource.js';
import type { FieldChange } from '../model.js';
import { mergeKeyFor } from './merge-keys.js';

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

const segments = new Map<string, string>();

export function fieldSegment(key: string): string {
  let segment = segments.get(key);
  if (segment === undefined) {
    segment = PLAIN_KEY.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
    if (segments.size > 10_000) segments.clear();
    segments.set(key, segment);
  }
  return segment;
}

export function itemSegment(key: string, value: JsonValue | undefined): string {
  const text = String(value);
  return `[${key}=${PLAIN_VALUE.test(text) ? text : JSON.stringify(text)}]`;
}

/** The path of the segments walked so far: built only when a change is found there. */
function pathOf(stack: string[]): string {
  const path = stack.join('');
  return path.startsWith('.') ? path.slice(1) : path;
}

/**
 * Field-level changes between two objects. Maps are compared key by key, so key
 * order is no change. Lists of objects are compared item by item through their
 * merge key; a new order of the items they share is a change of its own (apply
 * writes the list in the manifest's order, so a pod template changes with it).
 * Lists of scalars (args, command) change as a whole.
 */
export function diffFields(before: JsonObject, after: JsonObject): FieldChange[] {
  const out: FieldChange[] = [];
  walk(before, after, [], '', out);
  return out;
}

function walk(a: JsonValue | undefined, b: JsonValue | undefined, stack: string[], field: string, out: FieldChange[]): void {
  if (a === b) return;
  const into = (segment: string, x: JsonValue | undefined, y: JsonValue | undefined, key: string) => {
    stack.push(segment);
    walk(x, y, stack, key, out);
    stack.pop();
  };
  if (isObject(a) && isObject(b)) {
    for (const key of Object.keys(a)) into(fieldSegment(key), a[key], b[key], key);
    for (const key of Object.keys(b)) if (!(key in a)) into(fieldSegment(key), undefined, b[key], key);
    return;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    if (!a.some(isObject) && !b.some(isObject)) {
      if (!deepEqual(a, b)) out.push({ path: pathOf(stack), before: a, after: b });
      return;
    }
    const key = mergeKeyFor(field, a, b);
    if (key === null) {
      const length = Math.max(a.length, b.length);
      for (let i = 0; i < length; i++) into(`[${i}]`, a[i], b[i], field);
      return;
    }
    const byKey = new Map((b as JsonObject[]).map((item) => [String(item[key]), item]));
    const order = reorder(a as JsonObject[], b as JsonObject[], key);
    if (order) out.push({ path: pathOf(stack), ...order, reordered: true });
    const seen = new Set<string>();
    for (const item of a as JsonObject[]) {
      const id = String(item[key]);
      seen.add(id);
      into(itemSegment(key, item[key]), item, byKey.get(id), field);
    }
    for (const item of b as JsonObject[]) {
      if (!seen.has(String(item[key]))) into(itemSegment(key, item[key]), undefined, item, field);
    }
    return;
  }
  // Scalars, or values of different shapes: one change at this path.
  if (!deepEqual(a, b)) out.push({ path: pathOf(stack), before: a ?? null, after: b ?? null });
}

/** The keys of both lists when the items they share are in another order, else null. */
function reorder(a: JsonObject[], b: JsonObject[], key: string): { before: string[]; after: string[] } | null {
  const [before, after] = [a.map((item) => String(item[key])), b.map((item) => String(item[key]))];
  const [inA, inB] = [new Set(before), new Set(after)];
  const shared = (keys: string[], other: Set<string>) => keys.filter((k) => other.has(k));
  const [x, y] = [shared(before, inB), shared(after, inA)];
  return x.every((k, i) => k === y[i]) ? null : { before, after };
}
