// The fields one object sets, compared with another object: what the base render sets
// that the cluster holds differently (drift), leaving out whatever only the other has
// (server defaults, other managers' fields).
import { deepEqual, fieldSegment, itemSegment } from '../diff/fields.js';
import { mergeKeyFor } from '../diff/merge-keys.js';
import { quantityNano } from '../quantity.js';
import { isObject, type JsonObject, type JsonValue } from '../resource.js';

/** One step into an object: a map key, a keyed list item, or a list position. */
export type Step = { field: string } | { key: string; value: JsonValue } | { index: number };

export interface SetFieldDifference {
  path: string;
  steps: Step[];
  /** The value the first object sets. */
  set: JsonValue;
  /** The other object's value there; null when it lacks the field. */
  other: JsonValue;
}

// Quantities the API server rewrites in canonical form ("0.5" → "500m", "1024Mi" → "1Gi").
const QUANTITY_MAPS = new Set(['limits', 'requests', 'capacity', 'hard', 'allocatable', 'resources']);

/** Equal, or the same quantity in another spelling under a map of quantities (`field` is the map's name). */
export function sameValue(a: JsonValue, b: JsonValue | undefined, field: string): boolean {
  if (deepEqual(a, b)) return true;
  if (!QUANTITY_MAPS.has(field) || b === undefined || b === null || typeof a === 'object' || typeof b === 'object') return false;
  const [x, y] = [quantityNano(String(a)), quantityNano(String(b))];
  return x !== null && x === y;
}

function pathOf(steps: Step[]): string {
  const text = steps.map((s) => ('field' in s ? fieldSegment(s.field) : 'key' in s ? itemSegment(s.key, s.value) : `[${s.index}]`)).join('');
  return text.startsWith('.') ? text.slice(1) : text;
}

function walk(a: JsonValue, b: JsonValue | undefined, steps: Step[], field: string, parent: string, out: SetFieldDifference[]): void {
  if (a === null) return;
  const differ = () => out.push({ path: pathOf(steps), steps: [...steps], set: a, other: b ?? null });
  if (isObject(a)) {
    if (!isObject(b)) return void differ();
    for (const [key, value] of Object.entries(a)) {
      steps.push({ field: key });
      walk(value, b[key], steps, key, field, out);
      steps.pop();
    }
    return;
  }
  if (Array.isArray(a) && Array.isArray(b) && a.some(isObject)) {
    const key = mergeKeyFor(field, a, b);
    if (key === null) {
      if (a.length !== b.length) return void differ();
      a.forEach((item, index) => {
        steps.push({ index });
        walk(item, b[index], steps, field, field, out);
        steps.pop();
      });
      return;
    }
    const byKey = new Map((b as JsonObject[]).map((item) => [String(item[key]), item]));
    for (const item of a as JsonObject[]) {
      steps.push({ key, value: item[key]! });
      walk(item, byKey.get(String(item[key])), steps, field, field, out);
      steps.pop();
    }
    return;
  }
  if (!sameValue(a, b, parent)) differ();
}

/** Every field `set` sets (leaves, keyed list items by their merge key) whose value in `other` differs. */
export function setFieldDifferences(set: JsonObject, other: JsonObject): SetFieldDifference[] {
  const out: SetFieldDifference[] = [];
  walk(set, other, [], '', '', out);
  return out;
}

/** The value at `steps`, undefined when the object lacks it. */
export function valueAt(object: JsonValue | undefined, steps: Step[]): JsonValue | undefined {
  let node: JsonValue | undefined = object;
  for (const step of steps) {
    if (node === undefined || node === null) return undefined;
    if ('field' in step) node = isObject(node) ? node[step.field] : undefined;
    else if ('index' in step) node = Array.isArray(node) ? node[step.index] : undefined;
    else node = Array.isArray(node) ? node.find((item) => isObject(item) && String(item[step.key]) === String(step.value)) : undefined;
  }
  return node;
}
