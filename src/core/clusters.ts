// Change clustering: one field change made the same way on many objects (a chart
// label bumped on every object, a checksum annotation on every Deployment) is
// one cluster, told once and ordered by what it does; each object then shows
// only the rest of its change. A view: the changes keep every field.
import type { Change, FieldChange, ImpactType, TargetResult } from './model.js';
import type { JsonValue } from './resource.js';
import { isShared, type EnvironmentMatrix } from './matrix.js';
import { podTemplatePrefix } from './pod.js';

/** Fewer objects than this sharing a field change are told object by object. */
export const MIN_CLUSTER_OBJECTS = 3;

export interface ClusterMember {
  target: string;
  change: Change;
}

export interface ChangeCluster {
  /** "c1", "c2"… in order. */
  id: string;
  path: string;
  /** The values, when every member has the same; null on the side where the field is absent. */
  before: JsonValue;
  after: JsonValue;
  /** The values differ per object, each an opaque digest (checksums, hashes): they are not shown. */
  varied: boolean;
  members: ClusterMember[];
  /** The worst impact the field change has on its objects, when it has one. */
  impact?: ImpactType;
  /** Pods the members' rollouts restart, for a rollout cluster. */
  pods?: number;
}

/** Worst first: the order clusters are told in. */
const IMPACT_ORDER: ImpactType[] = ['data-loss', 'downtime', 'exposure', 'recreate', 'rollout', 'not-rolled-out'];
const rank = (impact: ImpactType | undefined) => (impact ? IMPACT_ORDER.indexOf(impact) : IMPACT_ORDER.length);

// Digests and checksums: 16+ hex digits, optionally after an algorithm name, or long base64.
const OPAQUE = /^(?:(?:sha1|sha256|sha512|md5)[:-])?(?:[0-9a-f]{16,}|[A-Za-z0-9+/]{32,}={0,2})$/i;
const opaque = (value: JsonValue) => typeof value === 'string' && OPAQUE.test(value);

/** Fields of the same path and values, or of the same path with digests on both sides, share a key. */
function clusterKey(field: FieldChange): { key: string; varied: boolean } {
  if (opaque(field.before) && opaque(field.after)) return { key: `${field.path}\0~digest`, varied: true };
  return { key: `${field.path}\0${JSON.stringify(field.before)}\0${JSON.stringify(field.after)}`, varied: false };
}

/** Which of the change's impacts this one field causes. */
function impactsOfField(change: Change, path: string): ImpactType[] {
  const types = new Set(change.impacts.map((i) => i.type));
  const out: ImpactType[] = [];
  if (change.immutableFields?.includes(path)) out.push(...(['data-loss', 'downtime', 'recreate'] as const).filter((t) => types.has(t)));
  const template = podTemplatePrefix(change.kind);
  if (template && (path.startsWith(template) || `${path}.` === template) && types.has('rollout')) out.push('rollout');
  const exposing = (change.kind === 'Service' && /^spec\.(type|ports|loadBalancer|externalIPs)/.test(path)) || (change.kind === 'Ingress' && path.startsWith('spec.'));
  if (exposing && types.has('exposure')) out.push('exposure');
  return out;
}

export interface ClusterOptions {
  /** Which changes count as one object (the same object in several targets, a row of the environment matrix); each change by default. */
  unit?: (change: Change) => unknown;
  /** Which changes one entry tells already (a change made in several targets, a group of the matrix): a field change of a single entry is no cluster. */
  entry?: (change: Change) => unknown;
  minObjects?: number;
}

/** The clusters of the review's changes: field changes shared by at least `minObjects` objects of more than one entry. */
export function changeClusters(targets: TargetResult[], { unit = (c) => c, entry = (c) => c, minObjects = MIN_CLUSTER_OBJECTS }: ClusterOptions = {}): ChangeCluster[] {
  const byKey = new Map<string, { field: FieldChange; varied: boolean; members: ClusterMember[]; values: Set<string> }>();
  for (const target of targets) {
    for (const change of target.changes) {
      // Only objects on both sides have field changes of their own; a reordered list is told with its object.
      if (!change.base || !change.head) continue;
      for (const field of change.fields) {
        if (field.reordered) continue;
        const { key, varied } = clusterKey(field);
        let entry = byKey.get(key);
        if (!entry) byKey.set(key, (entry = { field, varied, members: [], values: new Set() }));
        entry.members.push({ target: target.name, change });
        entry.values.add(`${JSON.stringify(field.before)}\0${JSON.stringify(field.after)}`);
      }
    }
  }
  const found = [...byKey.values()]
    .filter((e) => new Set(e.members.map((m) => unit(m.change))).size >= minObjects && new Set(e.members.map((m) => entry(m.change))).size > 1)
    .map((e) => {
      const impacts = e.members.flatMap((m) => impactsOfField(m.change, e.field.path));
      const impact = impacts.sort((a, b) => rank(a) - rank(b))[0];
      const pods = impact === 'rollout' ? e.members.reduce((n, m) => n + (m.change.impacts.find((i) => i.type === 'rollout' && i.scaled === undefined)?.pods ?? 0), 0) : 0;
      // Digests that happen to be equal everywhere are shown as such.
      const varied = e.varied && e.values.size > 1;
      return { path: e.field.path, before: varied ? null : e.field.before, after: varied ? null : e.field.after, varied, members: e.members, ...(impact ? { impact } : {}), ...(pods ? { pods } : {}) };
    })
    .sort((a, b) => rank(a.impact) - rank(b.impact) || b.members.length - a.members.length || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return found.map((c, i) => ({ id: `c${i + 1}`, ...c }));
}

/** The review's clusters, an object counted once across targets and a change the matrix tells once taken as one entry: what the comment and the JSON show. */
export function reviewClusters(targets: TargetResult[], matrix: EnvironmentMatrix): ChangeCluster[] {
  const entry = (change: Change) => {
    const group = matrix.groupOf.get(change);
    return group && isShared(group) ? group : change;
  };
  return changeClusters(targets, { unit: (change) => matrix.rowOf.get(change), entry });
}

/** The clustered paths of each change: told in their cluster, left out of the change's own entry. */
export function clusteredPaths(clusters: ChangeCluster[]): Map<Change, Set<string>> {
  const clustered = new Map<Change, Set<string>>();
  for (const cluster of clusters) {
    for (const { change } of cluster.members) {
      let paths = clustered.get(change);
      if (!paths) clustered.set(change, (paths = new Set()));
      paths.add(cluster.path);
    }
  }
  return clustered;
}
