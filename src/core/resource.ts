// Resource identity and kind tables. Pure: no I/O.

export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

export interface SourcePosition {
  /** Path relative to the repository root. */
  file: string;
  /** 1-based line of the object's first line, when known. */
  line?: number;
}

/** One Kubernetes object as a renderer produced it. */
export interface Resource {
  apiVersion: string;
  kind: string;
  /** null for cluster-scoped kinds. */
  namespace: string | null;
  name: string;
  object: JsonObject;
  source?: SourcePosition;
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The API group of an apiVersion: "" for the core group. */
/** A non-empty string field; undefined for any other value, so hostile shapes never throw. */
export function str(value: JsonValue | undefined): string | undefined {
  return typeof value === 'string' && value ? value : undefined;
}

export function apiGroup(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash === -1 ? '' : apiVersion.slice(0, slash);
}

// Cluster-scoped kinds of the built-in API and of the common add-ons. A kind that
// is not listed is taken as namespaced, which is what a CRD defaults to in practice.
const CLUSTER_SCOPED = new Set([
  '/Namespace',
  '/Node',
  '/PersistentVolume',
  '/ComponentStatus',
  'rbac.authorization.k8s.io/ClusterRole',
  'rbac.authorization.k8s.io/ClusterRoleBinding',
  'apiextensions.k8s.io/CustomResourceDefinition',
  'apiregistration.k8s.io/APIService',
  'admissionregistration.k8s.io/MutatingWebhookConfiguration',
  'admissionregistration.k8s.io/ValidatingWebhookConfiguration',
  'admissionregistration.k8s.io/ValidatingAdmissionPolicy',
  'admissionregistration.k8s.io/ValidatingAdmissionPolicyBinding',
  'admissionregistration.k8s.io/MutatingAdmissionPolicy',
  'admissionregistration.k8s.io/MutatingAdmissionPolicyBinding',
  'storage.k8s.io/StorageClass',
  'storage.k8s.io/CSIDriver',
  'storage.k8s.io/CSINode',
  'storage.k8s.io/VolumeAttachment',
  'storage.k8s.io/VolumeAttributesClass',
  'scheduling.k8s.io/PriorityClass',
  'node.k8s.io/RuntimeClass',
  'networking.k8s.io/IngressClass',
  'networking.k8s.io/IPAddress',
  'networking.k8s.io/ServiceCIDR',
  'policy/PodSecurityPolicy',
  'certificates.k8s.io/CertificateSigningRequest',
  'flowcontrol.apiserver.k8s.io/FlowSchema',
  'flowcontrol.apiserver.k8s.io/PriorityLevelConfiguration',
  'resource.k8s.io/DeviceClass',
  'resource.k8s.io/ResourceSlice',
  'snapshot.storage.k8s.io/VolumeSnapshotClass',
  'snapshot.storage.k8s.io/VolumeSnapshotContent',
  'gateway.networking.k8s.io/GatewayClass',
  'cert-manager.io/ClusterIssuer',
  'config.gatekeeper.sh/Config',
  'kyverno.io/ClusterPolicy',
]);

export function isClusterScoped(apiVersion: string, kind: string): boolean {
  return CLUSTER_SCOPED.has(`${apiGroup(apiVersion)}/${kind}`);
}

/** Identity per the review contract: group, kind, namespace, name (the version is not part of it). */
export function resourceKey(r: Pick<Resource, 'apiVersion' | 'kind' | 'namespace' | 'name'>): string {
  return `${apiGroup(r.apiVersion)}|${r.kind}|${r.namespace ?? ''}|${r.name}`;
}

/** "Deployment shop/web" or "Namespace shop": how a resource is named to people. */
export function displayName(r: Pick<Resource, 'kind' | 'namespace' | 'name'>): string {
  return `${r.kind} ${r.namespace ? `${r.namespace}/` : ''}${r.name}`;
}

const HOOK_ANNOTATIONS = ['argocd.argoproj.io/hook', 'helm.sh/hook'];

/**
 * A hook named only by generateName ("db-migrate-") gets a new name at each sync;
 * it is known here as "db-migrate-*" (no real name has a "*"). Other objects need a
 * name: apply refuses generateName.
 */
function generatedHookName(metadata: JsonObject): string | null {
  const prefix = metadata.generateName;
  const annotations = metadata.annotations;
  const hook = isObject(annotations) && HOOK_ANNOTATIONS.some((key) => typeof annotations[key] === 'string');
  return hook && typeof prefix === 'string' && prefix ? `${prefix}*` : null;
}

/** The name an object is known by: metadata.name, or a hook's generateName with "*". */
export function objectName(metadata: JsonValue | undefined): string | null {
  if (!isObject(metadata)) return null;
  return typeof metadata.name === 'string' && metadata.name ? metadata.name : generatedHookName(metadata);
}

/**
 * Builds a Resource from a parsed object, or returns null when the value is not a
 * Kubernetes object (no apiVersion/kind or no name). Namespaced kinds without a
 * namespace take the target's namespace.
 */
export function toResource(value: unknown, defaultNamespace: string, source?: SourcePosition): Resource | null {
  if (!isObject(value)) return null;
  const { apiVersion, kind, metadata } = value;
  if (typeof apiVersion !== 'string' || typeof kind !== 'string' || !apiVersion || !kind) return null;
  if (!isObject(metadata)) return null;
  const name = objectName(metadata);
  if (name === null) return null;
  const namespace = isClusterScoped(apiVersion, kind)
    ? null
    : typeof metadata.namespace === 'string' && metadata.namespace
      ? metadata.namespace
      : defaultNamespace;
  return { apiVersion, kind, namespace, name, object: value, ...(source ? { source } : {}) };
}

// Resource (plural) names of the built-in kinds whose plural is not the regular one.
const IRREGULAR_PLURALS: Record<string, string> = {
  Endpoints: 'endpoints',
  Ingress: 'ingresses',
  IngressClass: 'ingressclasses',
  NetworkPolicy: 'networkpolicies',
  PodSecurityPolicy: 'podsecuritypolicies',
  PriorityClass: 'priorityclasses',
  StorageClass: 'storageclasses',
  RuntimeClass: 'runtimeclasses',
  VolumeAttributesClass: 'volumeattributesclasses',
  DeviceClass: 'deviceclasses',
  ValidatingAdmissionPolicy: 'validatingadmissionpolicies',
  MutatingAdmissionPolicy: 'mutatingadmissionpolicies',
  PodDisruptionBudget: 'poddisruptionbudgets',
  ComponentStatus: 'componentstatuses',
  GatewayClass: 'gatewayclasses',
  VolumeSnapshotClass: 'volumesnapshotclasses',
  ResourceClaimTemplate: 'resourceclaimtemplates',
  ServiceCIDR: 'servicecidrs',
};

/** The resource name (plural, lower case) of a kind, as admission rules name it; CRDs give their own. */
export function pluralOf(kind: string, crdPlurals?: Map<string, string>, group = ''): string {
  const declared = crdPlurals?.get(`${group}/${kind}`);
  if (declared) return declared;
  const irregular = IRREGULAR_PLURALS[kind];
  if (irregular) return irregular;
  const lower = kind.toLowerCase();
  if (/(s|x|z|ch|sh)$/.test(lower)) return `${lower}es`;
  if (/[^aeiou]y$/.test(lower)) return `${lower.slice(0, -1)}ies`;
  return `${lower}s`;
}

/** Plurals declared by CustomResourceDefinitions among `resources`, keyed "group/Kind". */
export function crdPlurals(resources: Resource[]): Map<string, string> {
  const plurals = new Map<string, string>();
  for (const r of resources) {
    if (r.kind !== 'CustomResourceDefinition' || !isObject(r.object.spec)) continue;
    const spec = r.object.spec;
    const names = isObject(spec.names) ? spec.names : {};
    if (typeof spec.group === 'string' && typeof names.kind === 'string' && typeof names.plural === 'string') plurals.set(`${spec.group}/${names.kind}`, names.plural);
  }
  return plurals;
}
