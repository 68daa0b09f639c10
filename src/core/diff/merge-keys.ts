import { isObject, type JsonValue, type JsonObject } from '../resource.js';

// How items of a list are matched between base and head, by the list's field name:
// the Kubernetes strategic-merge keys, each with fallbacks for the lists where the
// official key is not unique in practice (a TCP and a UDP port 53; one volume
// mounted twice). Any other list of objects is matched by `name` when every item
// has a unique one, else by position.
const CANDIDATES: Record<string, string[]> = {
  containers: ['name'],
  initContainers: ['name'],
  ephemeralContainers: ['name'],
  env: ['name'],
  volumes: ['name'],
  volumeMounts: ['name', 'mountPath'],
  volumeDevices: ['devicePath', 'name'],
  ports: ['containerPort', 'port', 'name'],
  imagePullSecrets: ['name'],
  hostAliases: ['ip'],
  conditions: ['type'],
  topologySpreadConstraints: ['topologyKey'],
  tolerations: ['key'],
  paths: ['path'],
  rules: ['host'],
  versions: ['name'],
  webhooks: ['name'],
  resourceClaims: ['name'],
};

/**
 * The field that identifies items of `field` across both sides, or null to match
 * by position. A key qualifies when every item on both sides has it as a scalar and
 * it is unique within each side.
 */
export function mergeKeyFor(field: string, before: JsonValue[], after: JsonValue[]): string | null {
  if (!before.every(isObject) || !after.every(isObject)) return null;
  for (const key of CANDIDATES[field] ?? ['name']) {
    if (uniqueScalar(before as JsonObject[], key) && uniqueScalar(after as JsonObject[], key)) return key;
  }
  return null;
}

function uniqueScalar(items: JsonObject[], key: string): boolean {
  const seen = new Set<string>();
  for (const item of items) {
    const value = item[key];
    if (value === undefined || value === null || typeof value === 'object') return false;
    const id = String(value);
    if (seen.has(id)) return false;
    seen.add(id);
  }
  return true;
}
