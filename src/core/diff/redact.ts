import { isObject, type JsonObject, type JsonValue } from '../resource.js';

export const REDACTED = '***';
export const REDACTED_CHANGED = '*** (changed)';
export const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/** A map whose values are secret (only one key of it when `key` is set). */
interface SecretMap {
  path: string[];
  key?: string;
}

const ANNOTATIONS: SecretMap = { path: ['metadata', 'annotations'], key: LAST_APPLIED };
const SECRET_MAPS: SecretMap[] = [ANNOTATIONS, { path: ['data'] }, { path: ['stringData'] }];

export function isSecret(object: JsonObject): boolean {
  return object.kind === 'Secret' && typeof object.apiVersion === 'string' && !object.apiVersion.includes('/');
}

function mapAt(object: JsonObject, path: string[]): JsonObject | undefined {
  let node: JsonValue | undefined = object;
  for (const step of path) node = isObject(node) ? node[step] : undefined;
  return isObject(node) ? node : undefined;
}

function secretKeys(map: JsonObject | undefined, spec: SecretMap): string[] {
  if (!map) return [];
  if (spec.key !== undefined) return spec.key in map ? [spec.key] : [];
  return Object.keys(map);
}

/** A top-level secret field (`data`, `stringData`) holding something other than a map. */
function isWhole(object: JsonObject | null, spec: SecretMap): boolean {
  if (object === null || spec.key !== undefined || spec.path.length !== 1) return false;
  const value = object[spec.path[0]!];
  return value !== undefined && value !== null && !isObject(value);
}

function hideWhole(base: JsonObject | null, head: JsonObject | null, field: string): void {
  const before = base?.[field] ?? undefined;
  const after = head?.[field] ?? undefined;
  if (after !== undefined) head![field] = before !== undefined && JSON.stringify(before) !== JSON.stringify(after) ? REDACTED_CHANGED : REDACTED;
  if (before !== undefined) base![field] = REDACTED;
}

/**
 * Hides secret values of a base/head pair (either may be null): Secret `data` and
 * `stringData`, and the last-applied-configuration annotation of any object. Each
 * value becomes "***"; on the head side a value that differs from the base becomes
 * "*** (changed)", so a reviewer sees which keys change, never a value. Keys stay
 * visible, so added and removed keys are named. A `data` or `stringData` that is
 * not a map (a string, a list…) is hidden whole: its parts cannot be told apart.
 * Returns copies when anything is hidden, the inputs otherwise (never modified either way).
 */
export function redactPair(base: JsonObject | null, head: JsonObject | null): [JsonObject | null, JsonObject | null] {
  const secret = (base !== null && isSecret(base)) || (head !== null && isSecret(head));
  const specs = secret ? SECRET_MAPS : [ANNOTATIONS];
  // Most objects hold nothing secret: no copy needed then.
  const holds = (o: JsonObject | null) => o !== null && specs.some((spec) => isWhole(o, spec) || secretKeys(mapAt(o, spec.path), spec).length > 0);
  if (!holds(base) && !holds(head)) return [base, head];
  const baseCopy = base && structuredClone(base);
  const headCopy = head && structuredClone(head);
  for (const spec of specs) {
    if (isWhole(baseCopy, spec) || isWhole(headCopy, spec)) {
      hideWhole(baseCopy, headCopy, spec.path[0]!);
      continue;
    }
    const baseMap = baseCopy ? mapAt(baseCopy, spec.path) : undefined;
    const headMap = headCopy ? mapAt(headCopy, spec.path) : undefined;
    for (const key of secretKeys(headMap, spec)) {
      const changed = baseMap !== undefined && key in baseMap && JSON.stringify(baseMap[key]) !== JSON.stringify(headMap![key]);
      headMap![key] = changed ? REDACTED_CHANGED : REDACTED;
    }
    for (const key of secretKeys(baseMap, spec)) baseMap![key] = REDACTED;
  }
  return [baseCopy, headCopy];
}

/** Redacts one object: every secret value becomes "***". */
export function redact(object: JsonObject): JsonObject {
  return redactPair(object, null)[0]!;
}
