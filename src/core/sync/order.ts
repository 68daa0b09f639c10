// The order an Argo CD sync applies a target's objects in (gitops-engine
// pkg/sync/sync_tasks.go): phase, then wave, then kind, then name; a Namespace
// and a CRD move ahead of the first object that needs them.
import { apiGroup, displayName, isObject, type Resource } from '../resource.js';
import { annotation, hookOf, skippedBySync } from './hooks.js';
import type { SyncStep } from '../model.js';
import type { SyncModel } from './model.js';

const PHASES = ['PreSync', 'Sync', 'PostSync', 'SyncFail'];

// Helm's install order of kinds, which Argo CD uses inside a wave; other kinds come after.
const KIND_ORDER = [
  'Namespace', 'NetworkPolicy', 'ResourceQuota', 'LimitRange', 'PodSecurityPolicy', 'PodDisruptionBudget', 'ServiceAccount', 'Secret',
  'SecretList', 'ConfigMap', 'StorageClass', 'PersistentVolume', 'PersistentVolumeClaim', 'CustomResourceDefinition', 'ClusterRole',
  'ClusterRoleList', 'ClusterRoleBinding', 'ClusterRoleBindingList', 'Role', 'RoleList', 'RoleBinding', 'RoleBindingList', 'Service',
  'DaemonSet', 'Pod', 'ReplicationController', 'ReplicaSet', 'Deployment', 'HorizontalPodAutoscaler', 'StatefulSet', 'Job', 'CronJob',
  'IngressClass', 'Ingress', 'APIService',
];
const kindRank = (kind: string) => {
  const i = KIND_ORDER.indexOf(kind);
  return i === -1 ? KIND_ORDER.length : i;
};

interface Task {
  phase: string;
  wave: number;
  resource: Resource;
}

/** An integer annotation as Go's strconv.Atoi reads it, or undefined. */
function integer(value: string | undefined): number | undefined {
  return value !== undefined && /^[+-]?\d+$/.test(value) ? Number(value) : undefined;
}

/** The wave: argocd.argoproj.io/sync-wave, else helm.sh/hook-weight, else 0. */
export function waveOf(r: Resource): number {
  return integer(annotation(r.object, 'argocd.argoproj.io/sync-wave')) ?? integer(annotation(r.object, 'helm.sh/hook-weight')) ?? 0;
}

function compare(a: Task, b: Task): number {
  return (
    PHASES.indexOf(a.phase) - PHASES.indexOf(b.phase) ||
    a.wave - b.wave ||
    kindRank(a.resource.kind) - kindRank(b.resource.kind) ||
    (a.resource.name < b.resource.name ? -1 : a.resource.name > b.resource.name ? 1 : 0)
  );
}

/** Moves each dependency ahead of the first task that refers to it, into that task's phase and wave. */
function hoist(tasks: Task[], dependencyKey: (r: Resource) => string | null, referenceKey: (r: Resource) => string | null): void {
  const firstUse = new Map<string, number>();
  for (let i = 0; i < tasks.length; i++) {
    const task = tasks[i]!;
    const dependency = dependencyKey(task.resource);
    if (dependency !== null) {
      const first = firstUse.get(dependency);
      if (first === undefined) continue;
      tasks.splice(i, 1);
      tasks.splice(first, 0, { ...task, phase: tasks[first]!.phase, wave: tasks[first]!.wave });
      for (const [key, index] of firstUse) if (index >= first) firstUse.set(key, index + 1);
      continue;
    }
    const reference = referenceKey(task.resource);
    if (reference !== null && !firstUse.has(reference)) firstUse.set(reference, i);
  }
}

const crdKey = (r: Resource) => {
  if (r.kind !== 'CustomResourceDefinition' || !isObject(r.object.spec)) return null;
  const names = isObject(r.object.spec.names) ? r.object.spec.names : {};
  return typeof r.object.spec.group === 'string' && typeof names.kind === 'string' ? `${r.object.spec.group}/${names.kind}` : null;
};

/** The steps of one sync of these objects (the head render), each a phase and wave with its objects in order. */
export function syncOrder(resources: Resource[], model: SyncModel): SyncStep[] {
  const tasks: Task[] = [];
  for (const resource of resources) {
    if (skippedBySync(resource.object, model)) continue;
    const hook = hookOf(resource.object, model);
    const phases = hook ? hook.phases.filter((p) => PHASES.includes(p)) : ['Sync'];
    for (const phase of phases) tasks.push({ phase, wave: waveOf(resource), resource });
  }
  tasks.sort(compare);
  hoist(tasks, (r) => (r.kind === 'Namespace' && apiGroup(r.apiVersion) === '' ? r.name : null), (r) => r.namespace);
  hoist(tasks, crdKey, (r) => `${apiGroup(r.apiVersion)}/${r.kind}`);
  const steps: SyncStep[] = [];
  for (const task of tasks) {
    const last = steps[steps.length - 1];
    const name = displayName(task.resource);
    if (last && last.phase === task.phase && last.wave === task.wave) last.objects.push(name);
    else steps.push({ phase: task.phase, wave: task.wave, objects: [name] });
  }
  return steps;
}
