// Fields the API server refuses to update, per kind (from the API validation
// rules). A change to one cannot be applied in place: `kubectl apply` and an
// Argo CD sync are rejected, and a replace deletes and recreates the object.
import type { FieldChange } from '../model.js';
import { isObject, type JsonObject } from '../resource.js';
import { apiGroup } from '../resource.js';

/** Whether `path` is `prefix` or lies below it. */
export function under(path: string, prefix: string): boolean {
  return path === prefix || path.startsWith(`${prefix}.`) || path.startsWith(`${prefix}[`);
}

/** The top-level spec field a path is under ("spec.serviceName[...]" → "serviceName"). */
function specField(path: string): string | null {
  const match = /^spec\.([A-Za-z0-9_-]+)/.exec(path);
  return match ? match[1]! : null;
}

interface KindRule {
  /** Whether a change at this path cannot be applied in place. */
  immutable(path: string, base: JsonObject, head: JsonObject): boolean;
  /** What recreating this kind means, for the recreate impact. */
  consequence: string;
}

const STATEFULSET_MUTABLE = new Set(['replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy', 'minReadySeconds']);
const PV_SOURCES = new Set([
  'awsElasticBlockStore', 'azureDisk', 'azureFile', 'cephfs', 'cinder', 'csi', 'fc', 'flexVolume', 'flocker', 'gcePersistentDisk',
  'glusterfs', 'hostPath', 'iscsi', 'local', 'nfs', 'photonPersistentDisk', 'portworxVolume', 'quobyte', 'rbd', 'scaleIO', 'storageos', 'vsphereVolume',
]);
const POD_MUTABLE = [/^spec\.(init)?[cC]ontainers\[[^\]]+\]\.image$/, /^spec\.activeDeadlineSeconds$/, /^spec\.tolerations/, /^spec\.terminationGracePeriodSeconds$/, /^spec\.schedulingGates/];

const paths = (...prefixes: string[]) => (path: string) => prefixes.some((p) => under(path, p));
const isImmutableData = (base: JsonObject) => base.immutable === true;

// Keyed by "group/Kind".
const RULES: Record<string, KindRule> = {
  'apps/Deployment': { immutable: paths('spec.selector'), consequence: 'every pod is deleted at once and new ones are created' },
  'apps/ReplicaSet': { immutable: paths('spec.selector'), consequence: 'every pod is deleted at once and new ones are created' },
  'apps/DaemonSet': { immutable: paths('spec.selector'), consequence: 'the pod on every node is deleted at once and recreated' },
  'apps/StatefulSet': {
    immutable: (path) => path.startsWith('spec.') && !STATEFULSET_MUTABLE.has(specField(path) ?? ''),
    consequence: 'every pod is deleted and recreated; claims from volumeClaimTemplates stay unless persistentVolumeClaimRetentionPolicy deletes them',
  },
  'batch/Job': {
    immutable: paths('spec.selector', 'spec.template', 'spec.completionMode'),
    consequence: 'the Job and its pods are deleted and it runs again from the start',
  },
  '/Service': {
    immutable: (path, base, head) =>
      (under(path, 'spec.clusterIP') || under(path, 'spec.clusterIPs')) &&
      (isObject(base.spec) ? base.spec.type : undefined) !== 'ExternalName' &&
      (isObject(head.spec) ? head.spec.type : undefined) !== 'ExternalName',
    consequence: 'the Service gets a new cluster IP; clients that cached the old one lose it',
  },
  '/PersistentVolumeClaim': {
    immutable: (path) => path.startsWith('spec.') && path !== 'spec.resources.requests.storage' && path !== 'spec.volumeAttributesClassName',
    consequence: 'a new claim binds a new volume: the data of the old one is lost unless its reclaim policy keeps it',
  },
  '/PersistentVolume': {
    immutable: (path) => PV_SOURCES.has(specField(path) ?? ''),
    consequence: 'the volume is recreated pointing at other storage',
  },
  '/ConfigMap': {
    immutable: (path, base) => isImmutableData(base) && (paths('data', 'binaryData', 'immutable')(path)),
    consequence: 'pods that mount it keep the old content until they restart',
  },
  '/Secret': {
    immutable: (path, base) => path === 'type' || (isImmutableData(base) && paths('data', 'stringData', 'immutable')(path)),
    consequence: 'pods that mount it keep the old content until they restart',
  },
  '/Pod': {
    immutable: (path) => path.startsWith('spec.') && !POD_MUTABLE.some((p) => p.test(path)),
    consequence: 'the pod is deleted and started again',
  },
  'storage.k8s.io/StorageClass': {
    immutable: (path) => ['parameters', 'provisioner', 'reclaimPolicy', 'volumeBindingMode'].some((f) => under(path, f)),
    consequence: 'existing volumes keep the old settings; only new claims get the new ones',
  },
  'rbac.authorization.k8s.io/RoleBinding': { immutable: paths('roleRef'), consequence: 'the subjects lose their access until the new binding exists' },
  'rbac.authorization.k8s.io/ClusterRoleBinding': { immutable: paths('roleRef'), consequence: 'the subjects lose their access until the new binding exists' },
  'scheduling.k8s.io/PriorityClass': { immutable: paths('value', 'preemptionPolicy'), consequence: 'running pods keep the old priority' },
  'networking.k8s.io/IngressClass': { immutable: paths('spec.controller'), consequence: 'Ingresses of this class are unserved until the new class exists' },
  'apiextensions.k8s.io/CustomResourceDefinition': { immutable: paths('spec.scope'), consequence: 'deleting the definition deletes every object of this kind' },
  'certificates.k8s.io/CertificateSigningRequest': { immutable: paths('spec'), consequence: 'the request is submitted again and needs a new approval' },
  'snapshot.storage.k8s.io/VolumeSnapshot': { immutable: paths('spec.source'), consequence: 'the snapshot is taken again' },
  'snapshot.storage.k8s.io/VolumeSnapshotClass': { immutable: paths('driver', 'parameters'), consequence: 'existing snapshots keep the old settings' },
};

function ruleFor(apiVersion: string, kind: string): KindRule | undefined {
  const group = apiGroup(apiVersion);
  // Old group names of the same kinds (extensions/v1beta1 Deployments…) follow the same rules.
  return RULES[`${group}/${kind}`] ?? (group === 'extensions' ? RULES[`apps/${kind}`] : undefined);
}

/** The changed paths the API server would refuse to update. */
export function immutableChanges(apiVersion: string, kind: string, fields: FieldChange[], base: JsonObject, head: JsonObject): string[] {
  const rule = ruleFor(apiVersion, kind);
  if (!rule) return [];
  return fields.filter((f) => rule.immutable(f.path, base, head)).map((f) => f.path);
}

export function recreateConsequence(apiVersion: string, kind: string): string {
  return ruleFor(apiVersion, kind)?.consequence ?? 'the object is deleted and created again';
}
