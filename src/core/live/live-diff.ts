// The live diff: the object as the cluster holds it → as the API server's dry-run
// says it would store it, beside the branch diff (base render → head render).
import { deepEqual, diffFields } from '../diff/fields.js';
import { mergeKeyFor } from '../diff/merge-keys.js';
import { normalize } from '../diff/normalize.js';
import { redactPair } from '../diff/redact.js';
import { alignTo, toYaml, unifiedDiff } from '../diff/text.js';
import type { FieldChange } from '../field-change.js';
import { isObject, type JsonObject, type JsonValue } from '../resource.js';
import type { ChangeLive } from './model.js';
import { digestSecrets } from './secrets.js';
import { sameValue } from './set-fields.js';

export interface LiveDiffInput {
  /** The base and head renders' objects (normalized); base null for a created object. */
  base: JsonObject | null;
  head: JsonObject;
  /** The live object (secret values digested), null when the cluster lacks it. */
  live: JsonObject | null;
  /** The dry-run result (secret values digested). */
  dryRun: JsonObject;
}

/** A cluster object without the server's bookkeeping (status, managedFields, resourceVersion…). */
function withoutBookkeeping(object: JsonObject): JsonObject {
  const meta = isObject(object.metadata) ? object.metadata : {};
  const namespace = typeof meta.namespace === 'string' ? meta.namespace : null;
  return normalize({ apiVersion: String(object.apiVersion), kind: String(object.kind), namespace, name: String(meta.name ?? ''), object });
}

/** How many leaves a value has. */
function leaves(value: JsonValue): number {
  if (isObject(value)) return Object.values(value).reduce((n: number, v) => n + leaves(v), 0);
  if (Array.isArray(value) && value.some((v) => isObject(v) || Array.isArray(v))) return value.reduce((n: number, v) => n + leaves(v), 0);
  return 1;
}

/**
 * `result` without what only the server adds: fields that the live object lacks and
 * the head does not set (defaults, a webhook's additions), counted in `added`.
 */
function withoutServerAdditions(result: JsonValue, live: JsonValue | undefined, head: JsonValue | undefined, field: string, added: { count: number }): JsonValue {
  if (isObject(result)) {
    const out: JsonObject = {};
    for (const [key, value] of Object.entries(result)) {
      const [l, h] = [isObject(live) ? live[key] : undefined, isObject(head) ? head[key] : undefined];
      if (l === undefined && h === undefined) added.count += leaves(value);
      else out[key] = withoutServerAdditions(value, l, h, key, added);
    }
    return out;
  }
  if (Array.isArray(result) && result.some(isObject)) {
    const items = [Array.isArray(live) ? live : [], Array.isArray(head) ? head : []];
    const keys = items.map((side) => (side.length ? mergeKeyFor(field, result, side) : null));
    return result.flatMap((item, i) => {
      const [l, h] = items.map((side, s) => {
        const key = keys[s];
        if (!isObject(item)) return undefined;
        return key ? side.find((x) => isObject(x) && String(x[key]) === String(item[key])) : side[i];
      });
      // An item only the server has (a webhook's sidecar): left out whole.
      if (l === undefined && h === undefined) {
        added.count += leaves(item);
        return [];
      }
      return [withoutServerAdditions(item, l, h, field, added)];
    });
  }
  return result;
}

/**
 * `value` with each quantity the API server rewrote in canonical form ("500m", "1Gi")
 * spelled as `reference` spells the same quantity ("0.5", "1024Mi"), so that spelling
 * alone is never a change.
 */
function spelledLike(value: JsonValue, reference: JsonValue | undefined, field: string, parent: string): JsonValue {
  if (reference === undefined) return value;
  if (isObject(value)) {
    if (!isObject(reference)) return value;
    const out: JsonObject = {};
    for (const [key, v] of Object.entries(value)) out[key] = spelledLike(v, reference[key], key, field);
    return out;
  }
  if (Array.isArray(value) && Array.isArray(reference) && value.some(isObject)) {
    const key = mergeKeyFor(field, value, reference);
    return value.map((item, i) => {
      const match = key && isObject(item) ? reference.find((r) => isObject(r) && String(r[key]) === String(item[key])) : reference[i];
      return spelledLike(item, match, field, parent);
    });
  }
  return !deepEqual(value, reference) && sameValue(reference, value, parent) ? reference : value;
}

/** The same field changes, in whatever order each object's keys came. */
function sameChanges(a: FieldChange[], b: FieldChange[]): boolean {
  const byPath = new Map(b.map((change) => [change.path, change]));
  return a.length === b.length && a.every((x) => byPath.has(x.path) && deepEqual(x.before, byPath.get(x.path)!.before) && deepEqual(x.after, byPath.get(x.path)!.after));
}

function label(object: JsonObject): string {
  const meta = isObject(object.metadata) ? object.metadata : {};
  return `${String(object.kind)}/${typeof meta.namespace === 'string' ? `${meta.namespace}/` : ''}${String(meta.name ?? '')}`;
}

/** Redacted field changes and their text diff, from → to. */
function shownDiff(from: JsonObject, to: JsonObject): { fields: FieldChange[]; diff: string } {
  const [before, after] = redactPair(from, to) as [JsonObject, JsonObject];
  const fields = diffFields(before, after);
  return { fields, diff: unifiedDiff(label(to), toYaml(before), toYaml(alignTo(before, after) as JsonObject), () => fields.map((f) => f.path)) };
}

/**
 * What the cluster would see. For an object in the cluster: live → dry-run result,
 * and `differs` when that is not what the branch diff says. For a new object: what
 * the API server stores differently from the head render. Either way fields only the
 * server adds are counted in `serverAdded`, not listed.
 */
export function liveDiffOf(input: LiveDiffInput): Pick<ChangeLive, 'fields' | 'diff' | 'differs' | 'serverAdded'> {
  const head = digestSecrets(input.head);
  const base = input.base && digestSecrets(input.base);
  const live = input.live && (spelledLike(withoutBookkeeping(input.live), base ?? undefined, '', '') as JsonObject);
  const added = { count: 0 };
  const result = spelledLike(withoutServerAdditions(withoutBookkeeping(input.dryRun), live ?? undefined, head, '', added), head, '', '') as JsonObject;
  const serverAdded = added.count ? { serverAdded: added.count } : {};
  if (!live) {
    const server = shownDiff(head, result);
    return server.fields.length ? { fields: server.fields, differs: true, diff: server.diff, ...serverAdded } : { fields: [], differs: false, ...serverAdded };
  }
  const shown = shownDiff(live, result);
  // Compared before redaction: two different new Secret values both read "*** (changed)".
  const differs = base === null || !sameChanges(diffFields(live, result), diffFields(base, head));
  return { fields: shown.fields, differs, ...(differs ? { diff: shown.diff } : {}), ...serverAdded };
}
