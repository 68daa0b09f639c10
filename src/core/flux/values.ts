// How helm-controller composes a release's values (fluxcd/pkg chartutil): each
// valuesFrom in order, merged deep or set at its targetPath, then spec.values over
// all of them. Pure.
import { isObject, type JsonObject, type JsonValue } from '../resource.js';

/** Maps merge key by key, deep; anything else in `over` replaces what `base` holds. */
export function mergeValues(base: JsonObject, over: JsonObject): JsonObject {
  const out: JsonObject = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = out[key];
    out[key] = isObject(current) && isObject(value) ? mergeValues(current, value) : value;
  }
  return out;
}

/** A `--set` value as Helm's strvals types it: booleans, null and integers; anything else is text. */
function typed(raw: string): JsonValue {
  if (raw === 'true' || raw === 'false') return raw === 'true';
  if (raw === 'null') return null;
  if (/^[-+]?(0|[1-9]\d*)$/.test(raw) && Number.isSafeInteger(Number(raw))) return Number(raw);
  return raw;
}

/** "a.b[1].c" with `\.` for a literal dot, as strvals splits a key. */
function pathSteps(path: string): Array<string | number> {
  const steps: Array<string | number> = [];
  let current = '';
  for (let i = 0; i < path.length; i++) {
    const c = path[i]!;
    if (c === '\\' && i + 1 < path.length) current += path[++i];
    else if (c === '.') {
      steps.push(current);
      current = '';
    } else if (c === '[') {
      const end = path.indexOf(']', i);
      if (current) steps.push(current);
      current = '';
      steps.push(Number(path.slice(i + 1, end)));
      i = end;
      if (path[i + 1] === '.') i++;
    } else current += c;
  }
  if (current) steps.push(current);
  return steps;
}

/** Sets the value at a targetPath, typed as `--set` types it. */
export function setValuePath(values: JsonObject, path: string, raw: string): JsonObject {
  const out = structuredClone(values);
  const steps = pathSteps(path);
  let node: JsonObject | JsonValue[] = out;
  steps.forEach((step, i) => {
    const last = i === steps.length - 1;
    const next = typeof steps[i + 1] === 'number' ? [] : {};
    const container = node as Record<string | number, JsonValue>;
    if (last) container[step] = typed(raw);
    else {
      if (!isObject(container[step]) && !Array.isArray(container[step])) container[step] = next;
      node = container[step] as JsonObject | JsonValue[];
    }
  });
  return out;
}

/**
 * Every string and number of a value replaced, as text (secret values: the chart sees
 * markers, never them; a numeric PIN is as secret as a password).
 */
export function mapScalars(value: JsonValue, replace: (text: string, key: string) => string, key = ''): JsonValue {
  if (typeof value === 'string' || typeof value === 'number') return replace(String(value), key);
  if (Array.isArray(value)) return value.map((v) => mapScalars(v, replace, key));
  if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mapScalars(v, replace, k)]));
  return value;
}
