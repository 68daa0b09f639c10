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

/**
 * Hides secret values of a base/head pair (either may be null): Secret `data` and
 * `stringData`, and the last-applied-configuration annotation of any object. Each
 * value becomes "***"; on the head side a value that differs from the base becomes
 * "*** (changed)", so a reviewer sees which keys change, never a value. Keys stay
 * visible, so added and removed keys are named. Returns copies when anything
 * is hidden, the inputs otherwise (never modified either way).
 */
export function redactPair(base: JsonObject | null, head: JsonObject | null): [JsonObject | null, JsonObject | null] {
  const secret = (base !== null && isSecret(base)) || (head !== null && isSecret(head));
  const specs = secret ? SECRET_MAPS : [ANNOTATIONS];
  // Most objects hold nothing secret: no copy needed then.
  const holds = (o: JsonObject | null) => o !== null && specs.some((spec) => secretKeys(mapAt(o, spec.path), spec).length > 0);
  if (!holds(base) && !holds(head)) return [base, head];
  const baseCopy = base && structuredClone(base);
  const headCopy = head && structuredClone(head);
  for (const spec of specs) {
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
