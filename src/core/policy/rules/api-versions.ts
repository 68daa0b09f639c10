// API versions the target's Kubernetes version no longer serves, or deprecates.
import type { Resource } from '../../resource.js';
import { touched, type Rule, type RuleContext, type Violation } from '../rule.js';

interface Lifecycle {
  deprecated: string;
  removed: string | null;
  replacement: string | null;
}

/** The newest Kubernetes version the table knows; assumed when a target names none. */
export const NEWEST_KNOWN_VERSION = '1.35';

const WORKLOADS = ['Deployment', 'DaemonSet', 'ReplicaSet', 'StatefulSet'];

// "apiVersion Kind" (Kind "*": every kind of that version) → lifecycle, from the Kubernetes deprecated API migration guide.
const TABLE: Array<[string[], string, Lifecycle]> = [
  [['extensions/v1beta1', 'apps/v1beta1', 'apps/v1beta2'], WORKLOADS.join(','), { deprecated: '1.9', removed: '1.16', replacement: 'apps/v1' }],
  [['extensions/v1beta1'], 'NetworkPolicy', { deprecated: '1.9', removed: '1.16', replacement: 'networking.k8s.io/v1' }],
  [['extensions/v1beta1'], 'PodSecurityPolicy', { deprecated: '1.11', removed: '1.16', replacement: 'policy/v1beta1' }],
  [['extensions/v1beta1'], 'Ingress', { deprecated: '1.14', removed: '1.22', replacement: 'networking.k8s.io/v1' }],
  [['networking.k8s.io/v1beta1'], 'Ingress,IngressClass', { deprecated: '1.19', removed: '1.22', replacement: 'networking.k8s.io/v1' }],
  [['rbac.authorization.k8s.io/v1beta1', 'rbac.authorization.k8s.io/v1alpha1'], '*', { deprecated: '1.17', removed: '1.22', replacement: 'rbac.authorization.k8s.io/v1' }],
  [['apiextensions.k8s.io/v1beta1'], '*', { deprecated: '1.16', removed: '1.22', replacement: 'apiextensions.k8s.io/v1' }],
  [['admissionregistration.k8s.io/v1beta1'], 'MutatingWebhookConfiguration,ValidatingWebhookConfiguration', { deprecated: '1.16', removed: '1.22', replacement: 'admissionregistration.k8s.io/v1' }],
  [['apiregistration.k8s.io/v1beta1'], '*', { deprecated: '1.19', removed: '1.22', replacement: 'apiregistration.k8s.io/v1' }],
  [['scheduling.k8s.io/v1beta1', 'scheduling.k8s.io/v1alpha1'], 'PriorityClass', { deprecated: '1.14', removed: '1.22', replacement: 'scheduling.k8s.io/v1' }],
  [['storage.k8s.io/v1beta1'], 'CSIDriver,CSINode,StorageClass,VolumeAttachment', { deprecated: '1.19', removed: '1.22', replacement: 'storage.k8s.io/v1' }],
  [['certificates.k8s.io/v1beta1'], '*', { deprecated: '1.19', removed: '1.22', replacement: 'certificates.k8s.io/v1' }],
  [['coordination.k8s.io/v1beta1'], '*', { deprecated: '1.19', removed: '1.22', replacement: 'coordination.k8s.io/v1' }],
  [['batch/v1beta1', 'batch/v2alpha1'], 'CronJob', { deprecated: '1.21', removed: '1.25', replacement: 'batch/v1' }],
  [['discovery.k8s.io/v1beta1'], '*', { deprecated: '1.21', removed: '1.25', replacement: 'discovery.k8s.io/v1' }],
  [['events.k8s.io/v1beta1'], '*', { deprecated: '1.22', removed: '1.25', replacement: 'events.k8s.io/v1' }],
  [['autoscaling/v2beta1'], '*', { deprecated: '1.22', removed: '1.25', replacement: 'autoscaling/v2' }],
  [['autoscaling/v2beta2'], '*', { deprecated: '1.23', removed: '1.26', replacement: 'autoscaling/v2' }],
  [['policy/v1beta1'], 'PodDisruptionBudget', { deprecated: '1.21', removed: '1.25', replacement: 'policy/v1' }],
  [['policy/v1beta1'], 'PodSecurityPolicy', { deprecated: '1.21', removed: '1.25', replacement: null }],
  [['node.k8s.io/v1beta1', 'node.k8s.io/v1alpha1'], 'RuntimeClass', { deprecated: '1.22', removed: '1.25', replacement: 'node.k8s.io/v1' }],
  [['flowcontrol.apiserver.k8s.io/v1beta1'], '*', { deprecated: '1.23', removed: '1.26', replacement: 'flowcontrol.apiserver.k8s.io/v1' }],
  [['storage.k8s.io/v1beta1'], 'CSIStorageCapacity', { deprecated: '1.24', removed: '1.27', replacement: 'storage.k8s.io/v1' }],
  [['flowcontrol.apiserver.k8s.io/v1beta2'], '*', { deprecated: '1.26', removed: '1.29', replacement: 'flowcontrol.apiserver.k8s.io/v1' }],
  [['flowcontrol.apiserver.k8s.io/v1beta3'], '*', { deprecated: '1.29', removed: '1.32', replacement: 'flowcontrol.apiserver.k8s.io/v1' }],
  [['v1'], 'ComponentStatus', { deprecated: '1.19', removed: null, replacement: null }],
  [['v1'], 'Endpoints', { deprecated: '1.33', removed: null, replacement: 'discovery.k8s.io/v1 EndpointSlice' }],
];

export function lifecycleOf(apiVersion: string, kind: string): Lifecycle | null {
  for (const [versions, kinds, lifecycle] of TABLE) {
    if (versions.includes(apiVersion) && (kinds === '*' || kinds.split(',').includes(kind))) return lifecycle;
  }
  return null;
}

/** Orders "1.31", "v1.31.2": negative when a is older than b. */
export function compareVersions(a: string, b: string): number {
  const parse = (v: string) => v.replace(/^v/, '').split('.').map(Number);
  const [x, y] = [parse(a), parse(b)];
  return (x[0]! - y[0]!) * 1000 + ((x[1] ?? 0) - (y[1] ?? 0));
}

function versionNote(context: RuleContext): string {
  return context.kubernetesVersion ? `Kubernetes ${context.kubernetesVersion}` : `Kubernetes ${NEWEST_KNOWN_VERSION} (the target sets no kubernetesVersion)`;
}

function check(context: RuleContext, stage: 'removed' | 'deprecated'): Violation[] {
  const version = context.kubernetesVersion ?? NEWEST_KNOWN_VERSION;
  return touched(context).flatMap(({ resource }: { resource: Resource }) => {
    const life = lifecycleOf(resource.apiVersion, resource.kind);
    if (!life) return [];
    const removed = life.removed !== null && compareVersions(version, life.removed) >= 0;
    const deprecated = !removed && compareVersions(version, life.deprecated) >= 0;
    if ((stage === 'removed' && !removed) || (stage === 'deprecated' && !deprecated)) return [];
    const use = life.replacement ? `; use ${life.replacement}` : '; it has no replacement';
    const when = stage === 'removed' ? `was removed in Kubernetes ${life.removed}` : `is deprecated since Kubernetes ${life.deprecated}${life.removed ? ` and removed in ${life.removed}` : ''}`;
    return [{ resource, message: `${resource.apiVersion} ${resource.kind} ${when}; checked against ${versionNote(context)}${use}.` }];
  });
}

export const apiRemoved: Rule = {
  id: 'api-removed',
  defaultSeverity: 'error',
  summary: "An apiVersion removed in the target's Kubernetes version",
  explanation:
    'The API server of the target Kubernetes version no longer serves this apiVersion: the apply fails. Move the manifest to the ' +
    'replacement apiVersion (kubectl convert helps) and check the fields that changed. Set targets[].kubernetesVersion in ' +
    '.safe-deploy.yml so the check matches the cluster.',
  check: (context) => check(context, 'removed'),
};

export const apiDeprecated: Rule = {
  id: 'api-deprecated',
  defaultSeverity: 'warning',
  summary: "An apiVersion deprecated in the target's Kubernetes version",
  explanation:
    'This apiVersion still works on the target Kubernetes version but is deprecated and will be removed: the next cluster upgrade ' +
    'breaks the deploy. Move to the replacement now.',
  check: (context) => check(context, 'deprecated'),
};
