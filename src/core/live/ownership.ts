// Which cluster objects belong to a target, as its controller marks them, and what the
// next sync does with those no head render contains.
import { apiGroup, isObject, resourceKey, type JsonObject, type JsonValue } from '../resource.js';
import type { Deployer, ObjectRef, PrunedObject } from './model.js';

export interface Ownership {
  /** Narrows the list requests, when the controller marks objects with labels. */
  labelSelector?: string;
  owns(object: JsonObject): boolean;
  /** "Flux Kustomization flux-system/apps". */
  describe: string;
}

const metaOf = (object: JsonObject) => (isObject(object.metadata) ? object.metadata : {});
const mapOf = (value: JsonValue | undefined): JsonObject => (isObject(value) ? value : {});
const labels = (object: JsonObject) => mapOf(metaOf(object).labels);
const annotations = (object: JsonObject) => mapOf(metaOf(object).annotations);

/** An object's identity, from its own fields. */
export function objectRef(object: JsonObject): ObjectRef {
  const meta = metaOf(object);
  return { apiVersion: String(object.apiVersion), kind: String(object.kind), namespace: typeof meta.namespace === 'string' && meta.namespace ? meta.namespace : null, name: String(meta.name ?? '') };
}

/** Made by a controller from another object (a ReplicaSet of a Deployment): never the target's own, whatever labels it copied. */
function controlled(object: JsonObject): boolean {
  const owners = metaOf(object).ownerReferences;
  return Array.isArray(owners) && owners.some((o) => isObject(o) && o.controller === true);
}

/** Argo CD counts no object with any owner reference as an application's own. */
function owned(object: JsonObject): boolean {
  const owners = metaOf(object).ownerReferences;
  return Array.isArray(owners) && owners.length > 0;
}

const ARGO_TRACKING = 'argocd.argoproj.io/tracking-id';
const ARGO_INSTANCE = 'app.kubernetes.io/instance';

/** Argo CD's tracking id "<app>:<group>/<kind>:<namespace>/<name>" names this application and this very object. */
function trackedBy(object: JsonObject, apps: string[]): boolean {
  const id = annotations(object)[ARGO_TRACKING];
  if (typeof id !== 'string') return false;
  const ref = objectRef(object);
  return apps.some((app) => id === `${app}:${apiGroup(ref.apiVersion)}/${ref.kind}:${ref.namespace ?? ''}/${ref.name}`);
}

function argocd(deployer: Deployer): Ownership {
  const name = deployer.name!;
  // An Application outside the control plane's namespace is tracked as "<namespace>_<name>".
  const apps = deployer.namespace ? [name, `${deployer.namespace}_${name}`] : [name];
  return {
    describe: `Argo CD Application ${deployer.namespace ? `${deployer.namespace}/` : ''}${name}`,
    owns: (object) => {
      if (owned(object)) return false;
      const byLabel = labels(object)[ARGO_INSTANCE] === name;
      switch (deployer.tracking) {
        case 'annotation':
          return trackedBy(object, apps);
        case 'label':
          return byLabel;
        case 'annotation+label':
          return trackedBy(object, apps) && byLabel;
        default:
          // Unknown method: an annotation decides where there is one, else the instance label.
          return typeof annotations(object)[ARGO_TRACKING] === 'string' ? trackedBy(object, apps) : byLabel;
      }
    },
  };
}

function labelled(describe: string, marks: Record<string, string>): Ownership {
  return {
    describe,
    labelSelector: Object.entries(marks).map(([k, v]) => `${k}=${v}`).join(','),
    owns: (object) => !controlled(object) && Object.entries(marks).every(([k, v]) => labels(object)[k] === v),
  };
}

function helmRelease(describe: string, deployer: Deployer): Ownership {
  return {
    describe,
    labelSelector: 'app.kubernetes.io/managed-by=Helm',
    owns: (object) => {
      const a = annotations(object);
      return !controlled(object) && a['meta.helm.sh/release-name'] === deployer.name && a['meta.helm.sh/release-namespace'] === deployer.namespace;
    },
  };
}

/** How the deployer marks its objects; null when nothing does (kubectl from CI). */
export function ownershipOf(deployer: Deployer): Ownership | null {
  const { name, namespace } = deployer;
  if (name === null) return null;
  const id = `${namespace ? `${namespace}/` : ''}${name}`;
  switch (deployer.controller) {
    case 'argocd':
      return argocd(deployer);
    case 'flux':
      return labelled(`Flux Kustomization ${id}`, { 'kustomize.toolkit.fluxcd.io/name': name, 'kustomize.toolkit.fluxcd.io/namespace': namespace ?? '' });
    case 'helm-controller':
      return helmRelease(`Flux HelmRelease ${id}`, deployer);
    case 'helm':
      return helmRelease(`Helm release ${id}`, deployer);
    default:
      return null;
  }
}

const FLUX_KEEP: Array<[string, string]> = [
  ['kustomize.toolkit.fluxcd.io/prune', 'disabled'],
  ['kustomize.toolkit.fluxcd.io/reconcile', 'disabled'],
  ['kustomize.toolkit.fluxcd.io/ssa', 'ignore'],
];

/** Why the controller keeps an object it would otherwise prune, from the object's own marks. */
function keptBy(object: JsonObject, deployer: Deployer): string | null {
  const a = annotations(object);
  const l = labels(object);
  if (deployer.controller === 'argocd') {
    const options = String(a['argocd.argoproj.io/sync-options'] ?? '');
    if (/(^|,)\s*Prune=false\s*(,|$)/.test(options)) return 'annotated Prune=false';
    if (/(^|,)\s*Prune=confirm\s*(,|$)/.test(options)) return 'annotated Prune=confirm: deleted once someone confirms';
  }
  if (deployer.controller === 'flux') {
    // kustomize-controller skips these, as a label or an annotation, in any case.
    for (const [key, value] of FLUX_KEEP) {
      const mark = [a[key], l[key]].find((v) => typeof v === 'string' && v.toLowerCase() === value);
      if (mark !== undefined) return `marked ${key}: ${String(mark)}`;
    }
  }
  if ((deployer.controller === 'helm' || deployer.controller === 'helm-controller') && a['helm.sh/resource-policy'] === 'keep') return 'annotated helm.sh/resource-policy: keep';
  return null;
}

const PRUNE_OFF: Record<Deployer['controller'], string> = {
  argocd: 'automated prune is off: a sync with pruning deletes it',
  flux: 'spec.prune is not true',
  'helm-controller': 'pruning is off',
  helm: 'pruning is off',
  kubectl: 'kubectl apply does not prune',
};

export interface PruneInput {
  deployer: Deployer;
  /** Live objects the ownership marks as the target's. */
  owned: JsonObject[];
  base: ObjectRef[];
  head: ObjectRef[];
}

/** The target's cluster objects that no head render contains: deleted by the next sync, or left behind. */
export function prunedObjects(input: PruneInput): PrunedObject[] {
  const { deployer } = input;
  const ownership = ownershipOf(deployer);
  if (!ownership) return [];
  const head = new Set(input.head.map(resourceKey));
  const base = new Set(input.base.map(resourceKey));
  const seen = new Set<string>();
  return input.owned.flatMap((object): PrunedObject[] => {
    const ref = objectRef(object);
    const key = resourceKey(ref);
    if (head.has(key) || seen.has(key)) return [];
    seen.add(key);
    const kept = keptBy(object, deployer);
    const reason = kept ?? (deployer.prune ? null : PRUNE_OFF[deployer.controller]);
    return [{ ...ref, action: reason === null ? 'delete' : 'left-behind', owner: ownership.describe, ...(reason ? { reason } : {}), inBranchDiff: base.has(key) }];
  });
}

/** The object that records what a controller applied for the target: a Flux Kustomization's inventory, an Argo CD Application's resources. */
export function recordOf(deployer: Deployer): ObjectRef | null {
  if (deployer.name === null || deployer.namespace === null) return null;
  if (deployer.controller === 'flux') return { apiVersion: 'kustomize.toolkit.fluxcd.io/v1', kind: 'Kustomization', namespace: deployer.namespace, name: deployer.name };
  if (deployer.controller === 'argocd') return { apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', namespace: deployer.namespace, name: deployer.name };
  return null;
}

const ref = (group: string, version: string, kind: string, namespace: string, name: string): ObjectRef => ({
  apiVersion: group ? `${group}/${version}` : version,
  kind,
  namespace: namespace || null,
  name,
});

/**
 * The objects a controller's record lists as applied: Flux's status.inventory entries
 * ("<namespace>_<name>_<group>_<kind>", version in `v`; none of those parts can hold "_"),
 * or Argo CD's status.resources. The controller prunes from exactly this list.
 */
export function recordedObjects(record: JsonObject): ObjectRef[] {
  const status = isObject(record.status) ? record.status : {};
  if (isObject(status.inventory) && Array.isArray(status.inventory.entries)) {
    return status.inventory.entries.filter(isObject).flatMap((entry) => {
      const parts = typeof entry.id === 'string' ? entry.id.split('_') : [];
      return parts.length === 4 && parts[1] && parts[3] && typeof entry.v === 'string' ? [ref(parts[2]!, entry.v, parts[3], parts[0]!, parts[1])] : [];
    });
  }
  if (Array.isArray(status.resources)) {
    return status.resources.filter(isObject).flatMap((r) =>
      typeof r.kind === 'string' && typeof r.name === 'string' && typeof r.version === 'string' ? [ref(typeof r.group === 'string' ? r.group : '', r.version, r.kind, typeof r.namespace === 'string' ? r.namespace : '', r.name)] : [],
    );
  }
  return [];
}
