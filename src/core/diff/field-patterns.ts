// Field patterns of diff.ignore: a field path as the comment writes it
// (spec.template.spec.containers[name=web].image, metadata.labels["helm.sh/chart"],
// with `*` for any key or item) or a JSON pointer (RFC 6901, `*` for any token).
// Both compile to the same steps, which remove the matched fields from an object.
import { isObject, type JsonObject, type JsonValue } from '../resource.js';

export type Step = { key: string } | { any: true } | { index: number } | { item: string; value: string };

/** The steps of a field path; a message saying what is wrong when it is not one. */
export function parseFieldPath(path: string): Step[] | string {
  const steps: Step[] = [];
  const re = /\.?([A-Za-z_*][A-Za-z0-9_*-]*)|\[(\*|\d+|"(?:[^"\\]|\\.)*"|([A-Za-z_][A-Za-z0-9_.-]*)=("(?:[^"\\]|\\.)*"|[^\]]*))\]/y;
  let at = 0;
  while (at < path.length) {
    re.lastIndex = at;
    const m = re.exec(path);
    if (!m || (m[1] !== undefined && at > 0 && path[at] !== '.')) return `cannot read "${path}" at character ${at + 1}: write keys as .key or ["key"], list items as [N], [key=value] or [*]`;
    at = re.lastIndex;
    if (m[1] !== undefined) steps.push(m[1] === '*' ? { any: true } : { key: m[1] });
    else if (m[3] !== undefined) steps.push({ item: m[3], value: m[4]!.startsWith('"') ? (JSON.parse(m[4]!) as string) : m[4]! });
    else if (m[2] === '*') steps.push({ any: true });
    else if (m[2]!.startsWith('"')) steps.push({ key: JSON.parse(m[2]!) as string });
    else steps.push({ index: Number(m[2]) });
  }
  return steps.length ? steps : `"${path}" names no field`;
}

/** The steps of a JSON pointer; a message when it is not one. */
export function parsePointer(pointer: string): Step[] | string {
  if (!pointer.startsWith('/') || pointer === '/') return `"${pointer}" is not a JSON pointer to a field (it starts with "/")`;
  return pointer
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((token): Step => (token === '*' ? { any: true } : { key: token }));
}

/** Whether a list item or map entry is what `step` names. */
function selects(step: Step, key: string | number, value: JsonValue): boolean {
  if ('any' in step) return true;
  if ('index' in step) return key === step.index;
  if ('item' in step) return isObject(value) && value[step.item] !== undefined && String(value[step.item]) === step.value;
  // A pointer token names a list item by its index.
  return typeof key === 'number' ? /^(0|[1-9]\d*)$/.test(step.key) && Number(step.key) === key : key === step.key;
}

/** The value without the fields `steps` match (copied along the way only); the same value when nothing matched. */
export function withoutFields(value: JsonObject, steps: Step[]): JsonObject {
  const remove = (node: JsonValue, depth: number): JsonValue => {
    const step = steps[depth]!;
    const last = depth === steps.length - 1;
    if (Array.isArray(node)) {
      let changed = false;
      const kept: JsonValue[] = [];
      node.forEach((item, i) => {
        if (!selects(step, i, item)) return void kept.push(item);
        if (last) return void (changed = true);
        const next = remove(item, depth + 1);
        if (next !== item) changed = true;
        kept.push(next);
      });
      return changed ? kept : node;
    }
    if (!isObject(node)) return node;
    let out: JsonObject | null = null;
    for (const [key, child] of Object.entries(node)) {
      if (!selects(step, key, child)) continue;
      const next = last ? undefined : remove(child, depth + 1);
      if (next === child) continue;
      out ??= { ...node };
      if (next === undefined) delete out[key];
      else out[key] = next;
    }
    return out ?? node;
  };
  return remove(value, 0) as JsonObject;
}

/** A copy of `value` with the field at `steps` (keys, list items; no wildcard) set to `to`, or removed when `to` is undefined. */
export function withFieldValue(value: JsonObject, steps: Step[], to: JsonValue | undefined): JsonObject {
  const set = (node: JsonValue | undefined, depth: number): JsonValue | undefined => {
    if (depth === steps.length) return to;
    const step = steps[depth]!;
    if ('key' in step) {
      const map = isObject(node) ? node : {};
      const next = set(map[step.key], depth + 1);
      if (next !== undefined) return { ...map, [step.key]: next };
      const rest = { ...map };
      delete rest[step.key];
      return rest;
    }
    const list = Array.isArray(node) ? node : [];
    const at = list.findIndex((item, i) => selects(step, i, item));
    const next = set(at === -1 ? undefined : list[at], depth + 1);
    if (at === -1) return next === undefined ? list : [...list, next];
    return next === undefined ? list.filter((_, i) => i !== at) : list.map((item, i) => (i === at ? next : item));
  };
  return set(value, 0) as JsonObject;
}
