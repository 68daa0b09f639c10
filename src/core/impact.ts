// What a change means in operation. Pure: reads the change, returns sentences.
import type { Change, Impact } from './model.js';
import { isObject, type JsonObject, type JsonValue } from './resource.js';

const POD_OWNERS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'ReplicationController', 'Job', 'CronJob', 'Pod']);

function at(object: JsonObject | undefined, ...path: string[]): JsonValue | undefined {
  let node: JsonValue | undefined = object;
  for (const step of path) node = isObject(node) ? node[step] : undefined;
  return node;
}

/** Resolves a Kubernetes int-or-percent against a total, rounding as the controllers do. */
export function scaledValue(value: JsonValue | undefined, total: number, fallback: string, roundUp: boolean): number {
  const raw = value === undefined || value === null ? fallback : value;
  if (typeof raw === 'number') return raw;
  const percent = /^(\d+)%$/.exec(String(raw));
  if (!percent) return Number.parseInt(String(raw), 10) || 0;
  const exact = (Number(percent[1]) * total) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function replicasOf(object: JsonObject): { count: number; note: string } {
  const replicas = at(object, 'spec', 'replicas');
  if (typeof replicas === 'number') return { count: replicas, note: '' };
  return { count: 1, note: ' (replicas not set: 1, or what an autoscaler keeps)' };
}

function templateChanged(change: Change): boolean {
  return change.fields.some((f) => f.path.startsWith('spec.template.') || f.path === 'spec.template');
}

function deploymentRollout(object: JsonObject): Impact {
  const { count, note } = replicasOf(object);
  if (count === 0) return { type: 'rollout', message: 'Pod template changes, but replicas is 0: no pod restarts.' };
  if (at(object, 'spec', 'strategy', 'type') === 'Recreate') {
    return {
      type: 'rollout',
      message: `All ${plural(count, 'pod')}${note} are stopped before the new ones start (strategy Recreate): no pod serves until the new pods are ready.`,
    };
  }
  const rolling = at(object, 'spec', 'strategy', 'rollingUpdate');
  const surgeSpec = at(isObject(rolling) ? rolling : undefined, 'maxSurge');
  const unavailableSpec = at(isObject(rolling) ? rolling : undefined, 'maxUnavailable');
  const surge = scaledValue(surgeSpec, count, '25%', true);
  let unavailable = scaledValue(unavailableSpec, count, '25%', false);
  if (surge === 0 && unavailable === 0) unavailable = 1; // the controller's own floor
  return {
    type: 'rollout',
    message:
      `${plural(count, 'pod')}${note} replaced by a rolling update: at most ${unavailable} unavailable ` +
      `and ${surge} extra at a time (maxUnavailable ${String(unavailableSpec ?? '25%')}, maxSurge ${String(surgeSpec ?? '25%')}).`,
  };
}

function statefulSetRollout(object: JsonObject): Impact {
  const { count, note } = replicasOf(object);
  const strategy = at(object, 'spec', 'updateStrategy', 'type');
  if (strategy === 'OnDelete') {
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
    message: `${plural(updated, 'pod')}${note} of ${count} replaced ${pace}, highest ordinal first${scope}; each pod is down while it restarts.`,
  };
}

function daemonSetRollout(object: JsonObject): Impact {
  if (at(object, 'spec', 'updateStrategy', 'type') === 'OnDelete') {
    return { type: 'not-rolled-out', message: 'updateStrategy OnDelete: running pods keep the old template until someone deletes them.' };
  }
  const rolling = at(object, 'spec', 'updateStrategy', 'rollingUpdate');
  const surge = at(isObject(rolling) ? rolling : undefined, 'maxSurge');
  const unavailable = at(isObject(rolling) ? rolling : undefined, 'maxUnavailable');
  const pace = surge !== undefined && surge !== 0 && surge !== '0%'
    ? `a new pod starts beside the old one on up to ${String(surge)} of the nodes at a time`
    : `up to ${String(unavailable ?? 1)} of the nodes at a time lose their pod while it restarts`;
  return { type: 'rollout', message: `One pod on every matching node is replaced: ${pace}.` };
}

function rolloutImpact(change: Change): Impact | null {
  const object = change.head?.object;
  if (!object || !templateChanged(change)) return null;
  switch (change.kind) {
    case 'Deployment':
      return deploymentRollout(object);
    case 'StatefulSet':
      return statefulSetRollout(object);
    case 'DaemonSet':
      return daemonSetRollout(object);
    default:
      return null;
  }
}

function deletionImpact(change: Change): Impact | null {
  if (change.action !== 'delete' || !POD_OWNERS.has(change.kind) || !change.base) return null;
  if (change.kind === 'Pod') return { type: 'downtime', message: 'The pod is deleted.' };
  if (change.kind === 'Job' || change.kind === 'CronJob') {
    return { type: 'downtime', message: `The ${change.kind} and its pods are deleted; running work stops.` };
  }
  if (change.kind === 'DaemonSet') return { type: 'downtime', message: 'The DaemonSet is deleted: its pod on every node stops.' };
  const { count } = replicasOf(change.base.object);
  return { type: 'downtime', message: `The ${change.kind} is deleted: all ${plural(count, 'pod')} stop and are not replaced.` };
}

/** Adds the impacts this module knows to each change (in place) and returns the changes. */
export function analyzeImpacts(changes: Change[]): Change[] {
  for (const change of changes) {
    const impacts = [rolloutImpact(change), deletionImpact(change)].filter((i): i is Impact => i !== null);
    change.impacts.push(...impacts);
  }
  return changes;
}
