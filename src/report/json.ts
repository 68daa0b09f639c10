// The review JSON of DESIGN §5 (schemaVersion 1). Every field is written out by
// name: the model also holds unredacted objects, which must never reach output.
import type { ChangeLive, ObjectRef, TargetLive } from '../core/live/model.js';
import type { BlastRadius, Change, FieldChange, Finding, Review, TargetResult } from '../core/model.js';
import type { JsonValue } from '../core/resource.js';
import { sortFindings } from '../core/policy/verdict.js';
import { reviewClusters } from '../core/clusters.js';
import { environmentMatrix, type EnvironmentMatrix } from '../core/matrix.js';
import { imageMoves } from '../core/image-summary.js';

const fieldJson = (f: FieldChange) => ({ path: f.path, before: f.before, after: f.after, ...(f.reordered ? { reordered: true } : {}) });
const refJson = (r: ObjectRef) => ({ apiVersion: r.apiVersion, kind: r.kind, namespace: r.namespace, name: r.name });

function changeLiveJson(live: ChangeLive) {
  return {
    exists: live.exists,
    dryRun: live.dryRun,
    ...(live.message !== undefined ? { message: live.message } : {}),
    ...(live.fields ? { fields: live.fields.map(fieldJson) } : {}),
    ...(live.differs !== undefined ? { differs: live.differs } : {}),
    ...(live.diff !== undefined ? { diff: live.diff } : {}),
    ...(live.serverAdded ? { serverAdded: live.serverAdded } : {}),
  };
}

function targetLiveJson(live: TargetLive) {
  return {
    cluster: live.cluster,
    status: live.status,
    ...(live.reason !== undefined ? { reason: live.reason } : {}),
    fieldManager: live.fieldManager,
    force: live.force,
    prune: live.prune,
    drift: live.drift.map((d) => ({
      ...refJson(d),
      fields: d.fields.map((f) => ({ path: f.path, base: f.base, live: f.live, head: f.head, ...(f.manager ? { manager: f.manager } : {}), ...(f.owner ? { owner: f.owner } : {}), message: f.message })),
    })),
    pruned: live.pruned.map((p) => ({ ...refJson(p), action: p.action, owner: p.owner, ...(p.reason ? { reason: p.reason } : {}), inBranchDiff: p.inBranchDiff })),
    requests: live.requests,
  };
}

/** What a review's JSON holds besides what DESIGN §5 requires of it. */
export interface JsonView {
  /** false: changes without their field list (the report page shows each change's diff, which holds the same). */
  fields?: boolean;
}

function changeJson(change: Change, matrix: EnvironmentMatrix, view: JsonView) {
  return {
    action: change.action,
    apiVersion: change.apiVersion,
    kind: change.kind,
    namespace: change.namespace,
    name: change.name,
    ...(change.action === 'replace' && change.previousName !== undefined ? { previousName: change.previousName } : {}),
    ...(change.previousNamespace !== undefined ? { previousNamespace: change.previousNamespace } : {}),
    ...(view.fields === false ? {} : { fields: change.fields.map(fieldJson) }),
    diff: change.diff,
    impacts: change.impacts.map((i) => ({ type: i.type, message: i.message })),
    ...(change.hook ? { hook: { phases: [...change.hook.phases], deletePolicies: [...change.hook.deletePolicies], runsAtSync: change.hook.runsAtSync } } : {}),
    ...(change.prune === false ? { prune: false } : {}),
    ...(change.syncOptions ? { syncOptions: [...change.syncOptions] } : {}),
    ...(change.ignoreExtraneous ? { ignoreExtraneous: true } : {}),
    ...(change.live ? { live: changeLiveJson(change.live) } : {}),
    group: matrix.groupOf.get(change)!.id,
  };
}

function blastRadiusJson(graph: BlastRadius) {
  return {
    nodes: graph.nodes.map((n) => ({ id: n.id, apiVersion: n.apiVersion, kind: n.kind, namespace: n.namespace, name: n.name, action: n.action, ...(n.impact ? { impact: n.impact } : {}) })),
    edges: graph.edges.map((e) => ({ from: e.from, to: e.to, via: [...e.via] })),
    omitted: graph.omitted,
  };
}

function targetJson(target: TargetResult, matrix: EnvironmentMatrix, view: JsonView) {
  return {
    name: target.name,
    path: target.path,
    renderer: target.renderer,
    ...(target.declaredBy ? { declaredBy: { ...target.declaredBy } } : {}),
    status: target.status,
    ...(target.status === 'error' ? { error: target.error ?? 'render failed' } : {}),
    changes: target.changes.map((c) => changeJson(c, matrix, view)),
    ...(target.syncOrder ? { syncOrder: target.syncOrder.map((step) => ({ phase: step.phase, wave: step.wave, objects: [...step.objects] })) } : {}),
    ...(target.notes ? { notes: [...target.notes] } : {}),
    ...(target.live ? { live: targetLiveJson(target.live) } : {}),
    ...(target.blastRadius ? { blastRadius: blastRadiusJson(target.blastRadius) } : {}),
  };
}

function findingJson(f: Finding) {
  return {
    rule: f.rule,
    severity: f.severity,
    target: f.target,
    apiVersion: f.apiVersion ?? null,
    kind: f.kind ?? null,
    namespace: f.namespace ?? null,
    name: f.name ?? null,
    message: f.message,
    file: f.file ?? null,
    line: f.line ?? null,
    overridden: f.overridden,
    introduced: f.introduced,
  };
}

/** The environment matrix as a view of the changes above: groups by id (each change names its own), rows by base identity. */
function matrixJson(matrix: EnvironmentMatrix) {
  return {
    targets: [...matrix.targets],
    rows: matrix.rows.map((r) => ({ kind: r.kind, baseName: r.baseName, differs: r.differs, cells: Object.fromEntries([...r.cells].map(([t, c]) => [t, { action: c.action, group: c.group, namespace: c.change.namespace, name: c.change.name }])) })),
    groups: matrix.groups.map((g) => ({
      id: g.id,
      action: g.action,
      kind: g.kind,
      members: g.members.map((m) => ({ target: m.target, namespace: m.change.namespace, name: m.change.name })),
    })),
  };
}

export function reviewJson(review: Review, view: JsonView = {}): { schemaVersion: 1 } & Record<string, JsonValue> {
  const matrix = environmentMatrix(review.targets);
  return {
    schemaVersion: 1,
    verdict: review.verdict,
    base: review.base,
    head: review.head,
    summary: { ...review.summary },
    targets: review.targets.map((t) => targetJson(t, matrix, view)),
    findings: sortFindings(review.findings).map(findingJson),
    ...(review.resolved ? { resolved: review.resolved } : {}),
    ...(review.notRendered?.length
      ? { notRendered: review.notRendered.map((n) => ({ name: n.name, declaredBy: { ...n.declaredBy }, reason: n.reason, ...(n.failed ? { failed: true } : {}) })) }
      : {}),
    ...(review.ignored?.length ? { ignored: review.ignored.map((t) => ({ ...t })) } : {}),
    ...(review.reviews ? { reviews: review.reviews.map((r) => ({ ...r, require: [...r.require], because: [...r.because], ...(r.approvedBy ? { approvedBy: [...r.approvedBy] } : {}) })) } : {}),
    matrix: matrixJson(matrix),
    clusters: reviewClusters(review.targets, matrix).map((c) => ({
      id: c.id,
      path: c.path,
      before: c.before,
      after: c.after,
      varied: c.varied,
      ...(c.impact ? { impact: c.impact } : {}),
      ...(c.pods ? { pods: c.pods } : {}),
      members: c.members.map((m) => ({ target: m.target, kind: m.change.kind, namespace: m.change.namespace, name: m.change.name })),
    })),
    images: imageMoves(review.targets).map((m) => ({ repository: m.repository, from: m.from, to: m.to, direction: m.direction, workloads: [...m.workloads], targets: [...m.targets] })),
  };
}

export function renderJson(review: Review): string {
  return `${JSON.stringify(reviewJson(review), null, 2)}\n`;
}
