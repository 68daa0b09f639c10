// Which workloads use a ConfigMap or Secret, and how (env, envFrom, volume).
import { containers, podSpec } from './pod.js';
import { isObject, type JsonValue, type Resource } from './resource.js';

export type Use = 'env' | 'envFrom' | 'volume';

export interface Consumer {
  workload: Resource;
  uses: Set<Use>;
}

function refName(value: JsonValue | undefined, field = 'name'): string | undefined {
  return isObject(value) && typeof value[field] === 'string' ? (value[field] as string) : undefined;
}

export interface ConfigReference {
  kind: 'ConfigMap' | 'Secret';
  name: string;
  use: Use;
}

const REFERENCE_FIELDS = {
  ConfigMap: { keyRef: 'configMapKeyRef', fromRef: 'configMapRef', volume: 'configMap', volumeName: 'name' },
  Secret: { keyRef: 'secretKeyRef', fromRef: 'secretRef', volume: 'secret', volumeName: 'secretName' },
} as const;

const referenceCache = new WeakMap<Resource, ConfigReference[]>();

/** Every ConfigMap and Secret a workload's pod spec names, and how (env, envFrom, volume or projected volume); listed once per object. */
export function configReferences(resource: Resource): ConfigReference[] {
  let found = referenceCache.get(resource);
  if (!found) referenceCache.set(resource, (found = listReferences(resource)));
  return found;
}

function listReferences(resource: Resource): ConfigReference[] {
  const spec = podSpec(resource.kind, resource.object);
  if (!spec) return [];
  const found: ConfigReference[] = [];
  for (const kind of ['ConfigMap', 'Secret'] as const) {
    const fields = REFERENCE_FIELDS[kind];
    const add = (name: string | undefined, use: Use) => {
      if (name !== undefined) found.push({ kind, name, use });
    };
    for (const { spec: c } of containers(spec)) {
      for (const env of Array.isArray(c.env) ? c.env.filter(isObject) : []) add(refName(isObject(env.valueFrom) ? env.valueFrom[fields.keyRef] : undefined), 'env');
      for (const from of Array.isArray(c.envFrom) ? c.envFrom.filter(isObject) : []) add(refName(from[fields.fromRef]), 'envFrom');
    }
    for (const volume of Array.isArray(spec.volumes) ? spec.volumes.filter(isObject) : []) {
      add(refName(volume[fields.volume], fields.volumeName), 'volume');
      const sources = isObject(volume.projected) && Array.isArray(volume.projected.sources) ? volume.projected.sources.filter(isObject) : [];
      for (const source of sources) add(refName(source[fields.volume]), 'volume');
    }
  }
  return found;
}

/** The uses a workload makes of the ConfigMap (kind "ConfigMap") or Secret `name`. */
export function usesOf(resource: Resource, kind: 'ConfigMap' | 'Secret', name: string): Set<Use> {
  return new Set(configReferences(resource).flatMap((r) => (r.kind === kind && r.name === name ? [r.use] : [])));
}

/** Pod-running objects by namespace: a change to a ConfigMap looks only at its own namespace. */
export type WorkloadIndex = Map<string | null, Resource[]>;

export function indexWorkloads(resources: Resource[]): WorkloadIndex {
  const index: WorkloadIndex = new Map();
  for (const resource of resources) {
    if (!podSpec(resource.kind, resource.object)) continue;
    const list = index.get(resource.namespace);
    if (list) list.push(resource);
    else index.set(resource.namespace, [resource]);
  }
  return index;
}

/** Workloads that use the ConfigMap/Secret `kind` `namespace/name`. */
export function consumersOf(index: WorkloadIndex, kind: 'ConfigMap' | 'Secret', namespace: string | null, name: string): Consumer[] {
  const found: Consumer[] = [];
  for (const resource of index.get(namespace) ?? []) {
    const uses = usesOf(resource, kind, name);
    if (uses.size) found.push({ workload: resource, uses });
  }
  return found;
}
