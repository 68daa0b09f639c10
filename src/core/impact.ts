// What a change means in operation: rollouts, recreations, data loss, downtime,
// exposure, configuration that does not reach running pods. Pure: changes and
// the target's objects in, sentences a reviewer can act on out.
import { consumersOf, indexWorkloads, type Use, type WorkloadIndex } from './consumers.js';
import { recreateConsequence } from './diff/immutable.js';
import type { Change, Impact } from './model.js';
import { at, labelsOf, LONG_RUNNING, podTemplatePrefix, replicas, selects } from './pod.js';
import { displayName, isObject, type JsonObject, type JsonValue, type Resource } from './resource.js';
import { plural } from './plural.js';
import { deletesObject } from './sync/apply.js';

export interface TargetObjects {
  base: Resource[];
  head: Resource[];
}

const POD_OWNERS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'ReplicationController', 'Job', 'CronJob', 'Pod']);
const EXPOSED_TYPES = new Set(['LoadBalancer', 'NodePort']);
const MAX_LISTED = 10;

/** Resolves a Kubernetes int-or-percent against a total, rounding as the controllers do. */
export function scaledValue(value: JsonValue | undefined, total: number, fallback: string, roundUp: boolean): number {
  const raw = value === undefined || value === null ? fallback : value;
  if (typeof raw === 'number') return raw;
  const percent = /^(\d+)%$/.exec(String(raw));
  if (!percent) return Number.parseInt(String(raw), 10) || 0;
  const exact = (Number(percent[1]) * total) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}

function listed(names: string[]): string {
  const shown = names.slice(0, MAX_LISTED).join(', ');
  return names.length > MAX_LISTED ? `${shown} and ${names.length - MAX_LISTED} more` : shown;
}

function replicasNote(object: JsonObject): string {
  return typeof at(object, 'spec', 'replicas') === 'number' ? '' : ' (replicas not set: 1, or what an autoscaler keeps)';
}

/** Whether the change touches the pod template, so pods restart. */
export function templateChanged(change: Change): boolean {
  const prefix = podTemplatePrefix(change.kind);
  return prefix !== null && change.fields.some((f) => f.path.startsWith(prefix) || `${f.path}.` === prefix);
}

/**
 * The pods a rollout replaces: those of the old template that the new one takes
 * over. A change of replicas in the same change adds or removes the difference
 * (see scaling), so only the smaller count is replaced.
 */
function replacedCount(change: Change): number {
  const after = replicas(change.head!.object);
  return change.base ? Math.min(replicas(change.base.object), after) : after;
}

function deploymentRollout(object: JsonObject, count: number): Impact {
  const note = replicasNote(object);
  if (count === 0) return { type: 'rollout', message: 'Pod template changes, but replicas is 0: no pod restarts.' };
  if (at(object, 'spec', 'strategy', 'type') === 'Recreate') {
    return {
      type: 'rollout',
      pods: count,
      message: `All ${plural(count, 'pod')}${note} are stopped before the new ones start (strategy Recreate): no pod serves until the new pods are ready.`,
    };
  }
  const surgeSpec = at(object, 'spec', 'strategy', 'rollingUpdate', 'maxSurge');
  const unavailableSpec = at(object, 'spec', 'strategy', 'rollingUpdate', 'maxUnavailable');
  const surge = scaledValue(surgeSpec, count, '25%', true);
  let unavailable = scaledValue(unavailableSpec, count, '25%', false);
  if (surge === 0 && unavailable === 0) unavailable = 1; // the controller's own floor
  return {
    type: 'rollout',
    pods: count,
    message:
      `${plural(count, 'pod')}${note} replaced by a rolling update: at most ${unavailable} unavailable ` +
      `and ${surge} extra at a time (maxUnavailable ${String(unavailableSpec ?? '25%')}, maxSurge ${String(surgeSpec ?? '25%')}).`,
  };
}

function statefulSetRollout(object: JsonObject, count: number): Impact {
  if (at(object, 'spec', 'updateStrategy', 'type') === 'OnDelete') {
    return { type: 'not-rolled-out', message: 'updateStrategy OnDelete: running pods keep the old template until someone deletes them.' };
  }
  if (count === 0) return { type: 'rollout', message: 'Pod template changes, but replicas is 0: no pod restarts.' };
  const partition = at(object, 'spec', 'updateStrategy', 'rollingUpdate', 'partition');
  const maxUnavailable = at(object, 'spec', 'updateStrategy', 'rollingUpdate', 'maxUnavailable');
  const updated = typeof partition === 'number' ? Math.max(0, count - partition) : count;
  const pace = maxUnavailable === undefined ? 'one at a time' : `up to ${scaledValue(maxUnavailable, count, '1', false) || 1} at a time`;
  const scope = typeof partition === 'number' ? ` (partition ${partition}: only ordinals ${partition} and above)` : '';
  return {
    type: 'rollout',
    pods: updated,
    message: `${plural(updated, 'pod')}${replicasNote(object)} of ${count} replaced ${pace}, highest ordinal first${scope}; each pod is down while it restarts.`,
  };
}

function daemonSetRollout(object: JsonObject): Impact {
  if (at(object, 'spec', 'updateStrategy', 'type') === 'OnDelete') {
    return { type: 'not-rolled-out', message: 'updateStrategy OnDelete: running pods keep the old template until someone deletes them.' };
  }
  const surge = at(object, 'spec', 'updateStrategy', 'rollingUpdate', 'maxSurge');
  const unavailable = at(object, 'spec', 'updateStrategy', 'rollingUpdate', 'maxUnavailable');
  const pace =
    surge !== undefined && surge !== 0 && surge !== '0%'
      ? `a new pod starts beside the old one on up to ${String(surge)} of the nodes at a time`
      : `up to ${String(unavailable ?? 1)} of the nodes at a time lose their pod while it restarts`;
  return { type: 'rollout', message: `One pod on every matching node is replaced: ${pace}.` };
}

function rollout(change: Change): Impact | null {
  const object = change.head?.object;
  if (!object || change.action !== 'update' || !templateChanged(change)) return null;
  const count = replacedCount(change);
  // Scaled up from 0: no pod runs the old template; scaling tells of the new ones.
  if (count === 0 && replicas(object) > 0) return null;
  if (change.kind === 'Deployment') return deploymentRollout(object, count);
  if (change.kind === 'StatefulSet') return statefulSetRollout(object, count);
  if (change.kind === 'DaemonSet') return daemonSetRollout(object);
  return null;
}

const SCALABLE = new Set(['Deployment', 'StatefulSet', 'ReplicaSet', 'ReplicationController']);

/** Pods added or removed when replicas change (to 0 is downtime); running pods are not replaced for it. */
function scaling(change: Change): Impact | null {
  const [before, after] = [at(change.base?.object, 'spec', 'replicas'), at(change.head?.object, 'spec', 'replicas')];
  if (change.action !== 'update' || !SCALABLE.has(change.kind) || typeof before !== 'number' || typeof after !== 'number') return null;
  if (before === after || after === 0) return null;
  if (after > before) {
    return { type: 'rollout', scaled: after - before, message: `Scaled from ${before} to ${after}: ${plural(after - before, 'pod')} added.` };
  }
  // A StatefulSet removes its highest ordinals first.
  const which = change.kind === 'StatefulSet' ? ` (${ordinals(change.name, after, before)})` : '';
  return { type: 'rollout', scaled: after - before, message: `Scaled from ${before} to ${after}: ${plural(before - after, 'pod')} removed${which}.` };
}

function ordinals(name: string, from: number, to: number): string {
  const names = Array.from({ length: to - from }, (_, i) => `${name}-${to - 1 - i}`);
  return listed(names);
}

function recreate(change: Change): Impact | null {
  if (!change.immutableFields?.length) return null;
  const fields = change.immutableFields.join(', ');
  if (change.recreatedBySync) {
    return {
      type: 'recreate',
      message: `${fields} cannot change in place; with ${change.syncOptions!.join(', ')} the sync deletes and re-creates the ${change.kind}: ${recreateConsequence(change.apiVersion, change.kind)}.`,
    };
  }
  return {
    type: 'recreate',
    message:
      `${fields} cannot change in place: kubectl apply and an Argo CD sync are rejected by the API server. ` +
      `Only a replace works (kubectl replace --force, Argo CD Replace=true), which deletes and recreates the ${change.kind}: ${recreateConsequence(change.apiVersion, change.kind)}.`,
  };
}

/**
 * What moving an object to another namespace does: GitOps applies it in the new
 * namespace, then prunes the old one, so nothing carries over but the manifest.
 */
function moves(change: Change): Impact[] {
  const from = change.previousNamespace;
  if (from === undefined || !change.base || !change.head) return [];
  const to = change.namespace!;
  const out: Impact[] = [
    { type: 'recreate', message: `Moved from namespace ${from} to ${to}: a new ${change.kind} is created in ${to}, then the one in ${from} is deleted (pruned).` },
  ];
  if (change.kind === 'Service') {
    out.push({ type: 'downtime', message: `Clients that use ${change.name}.${from}.svc (or ${change.name} from inside ${from}) lose it: the name becomes ${change.name}.${to}.svc.` });
  }
  if (change.kind === 'PersistentVolumeClaim') {
    out.push({ type: 'data-loss', message: `Data does not move: the claim in ${to} binds a new, empty volume, and deleting the claim in ${from} releases its volume (with reclaim policy Delete, the data is gone).` });
  }
  if (POD_OWNERS.has(change.kind)) {
    const count = replicas(change.head.object);
    const pods = change.kind === 'DaemonSet' ? 'one pod per node' : plural(count, 'pod');
    out.push({ type: 'rollout', ...(change.kind === 'DaemonSet' ? {} : { pods: count }), message: `${pods} start in ${to} and the old ones in ${from} stop; Services, ConfigMaps and Secrets they use must exist in ${to}.` });
  }
  return out;
}

function hookRun(change: Change): Impact | null {
  const hook = change.hook;
  if (!hook) return null;
  const argo = hook.phases.some((p) => /^[A-Z]/.test(p));
  const kind = `${hook.phases.join('/') || 'inactive'} hook`;
  if (change.action === 'delete') {
    return {
      type: 'not-rolled-out',
      message: `No longer runs as a ${kind}. Hooks are not pruned: one left by an earlier sync goes only by its delete policy (${hook.deletePolicies.join(', ')}).`,
    };
  }
  if (!hook.runsAtSync) {
    const when = argo ? 'only when the Application is deleted' : 'only on a first install, never on an upgrade';
    return { type: 'not-rolled-out', message: `A ${kind}: it runs ${when}, so this change takes effect at no sync.` };
  }
  const sync = argo ? 'sync' : 'helm upgrade';
  const replaced = change.hookReplacesLive ? ` It was no hook until now: the ${change.kind} in the cluster is deleted first.` : '';
  return {
    type: 'recreate',
    message:
      `Re-created at every ${sync} as a ${kind} (delete policy ${hook.deletePolicies.join(', ')}): the new ${change.kind} is created and runs, ` +
      `never updated in place, so no field of it is refused.${replaced}`,
  };
}

function leftInCluster(change: Change): Impact | null {
  if (change.action !== 'delete' || change.prune !== false || change.hook) return null;
  return {
    type: 'not-rolled-out',
    message: 'Removed from the manifests but left in the cluster (Prune=false): Argo CD reports it as requiring pruning and never deletes it; delete it by hand if it should go.',
  };
}

function claimRetention(object: JsonObject, when: 'whenDeleted' | 'whenScaled'): boolean {
  return at(object, 'spec', 'persistentVolumeClaimRetentionPolicy', when) === 'Delete';
}

function claimTemplates(object: JsonObject): string[] {
  const templates = at(object, 'spec', 'volumeClaimTemplates');
  return Array.isArray(templates) ? templates.flatMap((t) => (isObject(t) && typeof at(t, 'metadata', 'name') === 'string' ? [at(t, 'metadata', 'name') as string] : [])) : [];
}

function dataLoss(change: Change, objects: TargetObjects): Impact | null {
  const before = change.base?.object;
  if (change.kind === 'PersistentVolumeClaim' && (deletesObject(change) || change.immutableFields?.length)) {
    return {
      type: 'data-loss',
      message: 'The claim is deleted: its volume is released and, with reclaim policy Delete (the default for dynamically provisioned volumes), its data is gone.',
    };
  }
  if (change.kind === 'StatefulSet' && before) {
    const templates = claimTemplates(before);
    if (!templates.length) return null;
    if (deletesObject(change) && claimRetention(before, 'whenDeleted')) {
      return { type: 'data-loss', message: `persistentVolumeClaimRetentionPolicy.whenDeleted is Delete: the claims of ${templates.join(', ')} for all ${plural(replicas(before), 'pod')} are deleted with it.` };
    }
    const after = change.head?.object;
    if (after && claimRetention(after, 'whenScaled') && replicas(after) < replicas(before)) {
      return {
        type: 'data-loss',
        message: `Scaled from ${replicas(before)} to ${replicas(after)} with whenScaled: Delete: the claims of ${templates.join(', ')} for ordinals ${replicas(after)}–${replicas(before) - 1} are deleted.`,
      };
    }
  }
  if (change.kind === 'Namespace' && deletesObject(change)) {
    const held = objects.base.filter((r) => r.namespace === change.name).map(displayName);
    const contents = held.length ? `: ${plural(held.length, 'object')} of this target ${held.length === 1 ? 'goes' : 'go'} with it (${listed(held)})` : '';
    return { type: 'data-loss', message: `Deleting the Namespace deletes everything in it, claims and their data included${contents}.` };
  }
  return null;
}

/** Workloads in `resources` whose pods a PodDisruptionBudget selects. */
export function workloadsSelectedBy(pdb: JsonObject, namespace: string | null, resources: Resource[]): Resource[] {
  const selector = at(pdb, 'spec', 'selector');
  return resources.filter(
    (r) => r.namespace === namespace && LONG_RUNNING.has(r.kind) && selects(selector, labelsOf(r.object, 'spec', 'template', 'metadata', 'labels')),
  );
}

function downtime(change: Change, objects: TargetObjects): Impact | null {
  const before = change.base?.object;
  const after = change.head?.object;
  // A hook taking an object's place is re-created at once: its run is the hook impact's.
  if (change.action === 'delete' && deletesObject(change) && before) {
    if (change.kind === 'Pod') return { type: 'downtime', message: 'The pod is deleted.' };
    if (change.kind === 'Job' || change.kind === 'CronJob') return { type: 'downtime', message: `The ${change.kind} and its pods are deleted; running work stops.` };
    if (change.kind === 'DaemonSet') return { type: 'downtime', message: 'The DaemonSet is deleted: its pod on every node stops.' };
    if (POD_OWNERS.has(change.kind)) return { type: 'downtime', message: `The ${change.kind} is deleted: all ${plural(replicas(before), 'pod')} stop and are not replaced.` };
    if (change.kind === 'Service') return { type: 'downtime', message: 'The Service is deleted: clients can no longer reach its pods through it.' };
    if (change.kind === 'PodDisruptionBudget') {
      const kept = workloadsSelectedBy(before, change.namespace, objects.head).map(displayName);
      if (kept.length) return { type: 'downtime', message: `No disruption budget protects ${listed(kept)} any more: node drains and upgrades may stop all its pods at once.` };
    }
    return null;
  }
  if (before && after && POD_OWNERS.has(change.kind) && replicas(before) > 0 && replicas(after) === 0) {
    return { type: 'downtime', message: `Scaled from ${replicas(before)} to 0: no pod runs.` };
  }
  return null;
}

function serviceType(object: JsonObject | undefined): string {
  return String(at(object, 'spec', 'type') ?? 'ClusterIP');
}

function ingressHosts(object: JsonObject | undefined): Set<string> {
  const rules = at(object, 'spec', 'rules');
  const tls = at(object, 'spec', 'tls');
  const hosts = new Set<string>();
  for (const rule of Array.isArray(rules) ? rules.filter(isObject) : []) if (typeof rule.host === 'string') hosts.add(rule.host);
  for (const entry of Array.isArray(tls) ? tls.filter(isObject) : []) for (const h of Array.isArray(entry.hosts) ? entry.hosts : []) if (typeof h === 'string') hosts.add(h);
  return hosts;
}

/** Hosts an Ingress serves at head and not at base. */
export function addedHosts(change: Change): string[] {
  if (change.kind !== 'Ingress' || !change.head) return [];
  const before = ingressHosts(change.base?.object);
  return [...ingressHosts(change.head.object)].filter((h) => !before.has(h));
}

/** [before, after] Service types when the change moves a Service into or out of external exposure. */
export function exposureShift(change: Change): [string, string] | null {
  if (change.kind !== 'Service' || !change.head) return null;
  const [before, after] = [change.base ? serviceType(change.base.object) : null, serviceType(change.head.object)];
  if (EXPOSED_TYPES.has(after) !== EXPOSED_TYPES.has(before ?? 'ClusterIP')) return [before ?? 'none', after];
  return null;
}

function exposure(change: Change): Impact | null {
  const shift = exposureShift(change);
  if (shift) {
    const [before, after] = shift;
    const ports = at(change.head!.object, 'spec', 'ports');
    const list = Array.isArray(ports) ? ports.filter(isObject).map((p) => String(p.port)).join(', ') : '';
    return EXPOSED_TYPES.has(after)
      ? { type: 'exposure', message: `The Service becomes reachable from outside the cluster as a ${after}${list ? ` (ports ${list})` : ''}.` }
      : { type: 'exposure', message: `The Service stops being exposed outside the cluster (${before} → ${after}): external clients lose it.` };
  }
  const hosts = addedHosts(change);
  if (hosts.length) return { type: 'exposure', message: `New hosts are served: ${listed(hosts)}.` };
  return null;
}

const USE_WORDS: Record<Use, string> = { env: 'env', envFrom: 'envFrom', volume: 'a volume' };

function notRolledOut(change: Change, restarting: Set<string>, workloads: () => WorkloadIndex): Impact | null {
  if (change.action !== 'update' || (change.kind !== 'ConfigMap' && change.kind !== 'Secret')) return null;
  const consumers = consumersOf(workloads(), change.kind, change.namespace, change.name).filter((c) => !restarting.has(displayName(c.workload)));
  if (!consumers.length) return null;
  const how = consumers.map((c) => `${displayName(c.workload)} (through ${[...c.uses].map((u) => USE_WORDS[u]).join(' and ')})`);
  const onlyVolumes = consumers.every((c) => c.uses.size === 1 && c.uses.has('volume'));
  const effect = onlyVolumes
    ? 'mounted files update within about a minute (not subPath mounts), but the processes keep what they read at start'
    : 'env values change only when the pods restart';
  return {
    type: 'not-rolled-out',
    message: `Changed in place, but nothing restarts the pods that use it: ${listed(how)}; ${effect}. Use a generated, hash-suffixed name or change the pod template to roll them out.`,
  };
}

/** Adds every impact to each change (in place) and returns the changes. */
export function analyzeImpacts(changes: Change[], objects: TargetObjects): Change[] {
  const restarting = new Set(changes.filter((c) => c.action !== 'delete' && (templateChanged(c) || c.action === 'create' || c.action === 'replace')).map((c) => displayName(c)));
  let index: WorkloadIndex | null = null;
  const workloads = () => (index ??= indexWorkloads(objects.head));
  for (const change of changes) {
    const impacts = [hookRun(change), leftInCluster(change), recreate(change), rollout(change), scaling(change), dataLoss(change, objects), downtime(change, objects), exposure(change), notRolledOut(change, restarting, workloads)];
    change.impacts.push(...moves(change), ...impacts.filter((i): i is Impact => i !== null));
  }
  return changes;
}
