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

/** The uses a pod spec makes of a ConfigMap (kind "ConfigMap") or Secret by name. */
function usesIn(resource: Resource, kind: 'ConfigMap' | 'Secret', name: string): Set<Use> {
  const uses = new Set<Use>();
  const spec = podSpec(resource.kind, resource.object);
  if (!spec) return uses;
  const [keyRef, fromRef] = kind === 'ConfigMap' ? ['configMapKeyRef', 'configMapRef'] : ['secretKeyRef', 'secretRef'];
  for (const { spec: c } of containers(spec)) {
    for (const env of Array.isArray(c.env) ? c.env.filter(isObject) : []) {
      if (refName(isObject(env.valueFrom) ? env.valueFrom[keyRef] : undefined) === name) uses.add('env');
    }
    for (const from of Array.isArray(c.envFrom) ? c.envFrom.filter(isObject) : []) if (refName(from[fromRef]) === name) uses.add('envFrom');
  }
  const volumeRef = (v: JsonValue) =>
    kind === 'ConfigMap' ? refName(isObject(v) ? v.configMap : undefined) : refName(isObject(v) ? v.secret : undefined, 'secretName');
  for (const volume of Array.isArray(spec.volumes) ? spec.volumes.filter(isObject) : []) {
    if (volumeRef(volume) === name) uses.add('volume');
    const sources = isObject(volume.projected) && Array.isArray(volume.projected.sources) ? volume.projected.sources.filter(isObject) : [];
    const projectedField = kind === 'ConfigMap' ? 'configMap' : 'secret';
    if (sources.some((s) => refName(s[projectedField]) === name)) uses.add('volume');
  }
  return uses;
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
    const uses = usesIn(resource, kind, name);
    if (uses.size) found.push({ workload: resource, uses });
  }
  return found;
}
