// Live mode: each target's objects read from its cluster, drift against the base
// render, the head dry-run by server-side apply, and what the controller will prune.
import { clusterFor } from '../core/live/clusters.js';
import { deployerOf, type DeployerOverrides } from '../core/live/deployer.js';
import { driftOf } from '../core/live/drift.js';
import { liveDiffOf } from '../core/live/live-diff.js';
import type { ChangeLive, Deployer, ObjectDrift, ObjectRef, TargetLive } from '../core/live/model.js';
import { objectRef, ownershipOf, prunedObjects, recordedObjects, recordOf } from '../core/live/ownership.js';
import type { Change, Finding, Severity, TargetResult } from '../core/model.js';
import { clusterRejectedFinding, liveUnavailableFinding } from '../core/policy/cluster-rejected.js';
import { normalize } from '../core/diff/normalize.js';
import { apiGroup, isObject, resourceKey, type JsonObject, type Resource } from '../core/resource.js';
import type { Target } from '../core/target.js';
import type { Config } from '../config/schema.js';
import type { LiveAccess } from './access.js';
import type { ClusterConnection } from './connect.js';
import { DEFAULT_LIVE_LIMITS, LiveError, openCluster, type ClusterSession, type LiveLimits } from './session.js';

/** One reviewed target, as live mode needs it. */
export interface LiveSubject {
  /** The target at base (null when the change adds it) and at head. */
  base: Target | null;
  head: Target;
  result: TargetResult;
  objects: { base: Resource[]; head: Resource[] };
}

export interface LiveSettings {
  access: LiveAccess;
  config: Pick<Config, 'clusters' | 'live'>;
  /** Severity of cluster-rejected (policies.rules), 'off' to drop those findings. */
  rejectedSeverity: Severity | 'off';
  /** Request limits, for tests and benchmarks; the config's live: settings apply on top. */
  limits?: Partial<LiveLimits>;
}

/** What every target of a review shares: namespaces and kinds the change itself creates. */
interface Created {
  namespaces: Set<string>;
  /** "group/Kind" of the CustomResourceDefinitions in the head renders. */
  kinds: Set<string>;
}

const key = (r: ObjectRef) => resourceKey(r);
const refOf = (r: Resource): ObjectRef => ({ apiVersion: r.apiVersion, kind: r.kind, namespace: r.namespace, name: r.name });

function createdBy(subjects: LiveSubject[]): Created {
  const created: Created = { namespaces: new Set(), kinds: new Set() };
  for (const r of subjects.flatMap((s) => s.objects.head)) {
    if (r.kind === 'Namespace' && apiGroup(r.apiVersion) === '') created.namespaces.add(r.name);
    const spec = r.object.spec;
    if (r.kind === 'CustomResourceDefinition' && isObject(spec) && isObject(spec.names) && typeof spec.group === 'string') {
      created.kinds.add(`${spec.group}/${String(spec.names.kind)}`);
    }
  }
  return created;
}

/** HorizontalPodAutoscalers and KEDA ScaledObjects of the renders: what owns a workload's replicas. */
function scalersOf(resources: Resource[]): Array<{ kind: string; name: string; target: ObjectRef }> {
  return resources.flatMap((r) => {
    const ref = isObject(r.object.spec) ? r.object.spec.scaleTargetRef : undefined;
    if (!isObject(ref) || typeof ref.name !== 'string') return [];
    if (r.kind === 'HorizontalPodAutoscaler' || (r.kind === 'ScaledObject' && apiGroup(r.apiVersion) === 'keda.sh')) {
      const kind = typeof ref.kind === 'string' ? ref.kind : 'Deployment';
      const apiVersion = typeof ref.apiVersion === 'string' ? ref.apiVersion : 'apps/v1';
      return [{ kind: r.kind, name: r.name, target: { apiVersion, kind, namespace: r.namespace, name: ref.name } }];
    }
    return [];
  });
}

/** Requests that failed for a reason other than "absent" (the first reason, and how many), and those that were answered. */
class Failures {
  first: string | null = null;
  count = 0;
  answered = 0;
  add(error: unknown): void {
    this.count++;
    this.first ??= error instanceof Error ? error.message : String(error);
  }
}

/** A kind the cluster does not know yet because the change creates its CRD. */
function isNewKind(error: unknown, ref: ObjectRef, created: Created): boolean {
  return error instanceof LiveError && error.reason === 'unknown-kind' && created.kinds.has(`${apiGroup(ref.apiVersion)}/${ref.kind}`);
}

/** Objects of one kind in one namespace from this many on are read with one list instead of a read each. */
const LIST_FROM = 8;

/** Objects by kind (API group and kind, as identity has it) and namespace, in their order. */
function groupsOf(refs: ObjectRef[]): ObjectRef[][] {
  const groups = new Map<string, ObjectRef[]>();
  for (const ref of refs) {
    const id = `${apiGroup(ref.apiVersion)}|${ref.kind}|${ref.namespace ?? ''}`;
    const group = groups.get(id);
    if (group) group.push(ref);
    else groups.set(id, [ref]);
  }
  return [...groups.values()];
}

/**
 * The live object of each of the target's objects (either side), by identity; absent
 * ones are null. Many objects of a kind in a namespace come from one list (Secrets
 * never: only the ones the target names are read); a list refused falls back to reads.
 */
async function readLive(session: ClusterSession, refs: ObjectRef[], created: Created, failures: Failures): Promise<Map<string, JsonObject | null>> {
  const live = new Map<string, JsonObject | null>();
  const read = async (ref: ObjectRef) => {
    try {
      live.set(key(ref), await session.get(ref));
      failures.answered++;
    } catch (error) {
      if (isNewKind(error, ref, created)) live.set(key(ref), null);
      else failures.add(error);
    }
  };
  await Promise.all(
    groupsOf(refs).map(async (group) => {
      const { apiVersion, kind, namespace } = group[0]!;
      if (group.length < LIST_FROM || (kind === 'Secret' && apiGroup(apiVersion) === '')) return Promise.all(group.map(read));
      try {
        const items = await session.list(apiVersion, kind, namespace ? { namespace } : {});
        failures.answered++;
        const byName = new Map(items.map((item) => [isObject(item.metadata) ? String(item.metadata.name) : '', item]));
        for (const ref of group) live.set(key(ref), byName.get(ref.name) ?? null);
      } catch (error) {
        if (group.every((ref) => isNewKind(error, ref, created))) for (const ref of group) live.set(key(ref), null);
        else await Promise.all(group.map(read));
      }
    }),
  );
  return live;
}

function driftsOf(subject: LiveSubject, live: Map<string, JsonObject | null>, deployer: Deployer): ObjectDrift[] {
  const heads = new Map(subject.objects.head.map((r) => [key(r), r]));
  const scalers = scalersOf([...subject.objects.base, ...subject.objects.head]);
  return subject.objects.base.flatMap((base) => {
    const current = live.get(key(base));
    if (!current) return [];
    const head = heads.get(key(base));
    const fields = driftOf({ base: normalize(base), live: current, head: head ? normalize(head) : null, deployer, scalers });
    return fields.length ? [{ ...refOf(base), fields }] : [];
  });
}

const UNDECLARED = 'already in the cluster, where the base branch does not declare it: the sync takes it over (its live state is not shown)';
/** An admission webhook with side effects refuses dry-run requests: that says nothing about the object. */
const DRY_RUN_UNSUPPORTED = /does not support dry run/i;
const IMMUTABLE = /field is immutable/i;

/** The dry-run of one created or updated object; a rejection becomes a finding. */
async function dryRun(
  session: ClusterSession,
  change: Change,
  live: Map<string, JsonObject | null>,
  deployer: Deployer,
  created: Created,
  declared: boolean,
  failures: Failures,
): Promise<{ live: ChangeLive; rejected?: string }> {
  const head = change.head!;
  const current = live.get(key(head));
  const exists = current !== undefined && current !== null;
  if (change.hook) return { live: { exists, dryRun: 'skipped', message: 'a hook: created anew at each sync, not applied' } };
  if (current === undefined) return { live: { exists: false, dryRun: 'skipped', message: 'its live state could not be read' } };
  try {
    const outcome = await session.dryRunApply(head.object, { fieldManager: deployer.fieldManager, force: deployer.force });
    failures.answered++;
    if (outcome.ok) {
      // A change may name any object of the cluster: only what the base branch declares is shown as it is live.
      if (exists && !declared) return { live: { exists, dryRun: 'ok', message: UNDECLARED } };
      return { live: { exists, dryRun: 'ok', ...liveDiffOf({ base: change.base?.object ?? null, head: head.object, live: current, dryRun: outcome.object }) } };
    }
    const { rejection } = outcome;
    if (DRY_RUN_UNSUPPORTED.test(rejection.message)) return { live: { exists, dryRun: 'skipped', message: rejection.message } };
    if (rejection.code === 422 && IMMUTABLE.test(rejection.message) && (deployer.recreatesImmutable || change.recreatedBySync)) {
      return { live: { exists, dryRun: 'skipped', message: `the API server refuses to update it in place (${rejection.message}); the sync deletes and re-creates it` } };
    }
    if (rejection.code === 404 && head.namespace !== null && created.namespaces.has(head.namespace)) {
      return { live: { exists, dryRun: 'skipped', message: `namespace ${head.namespace} is created by this change: the API server checks the object once it exists` } };
    }
    return { live: { exists, dryRun: 'rejected', message: rejection.message }, rejected: rejection.message };
  } catch (error) {
    if (isNewKind(error, head, created)) {
      return { live: { exists: false, dryRun: 'skipped', message: `the CustomResourceDefinition of ${head.kind} is created by this change` } };
    }
    throw error;
  }
}

/** The kinds of the target's objects, each listed in the namespaces the renders use (cluster-wide for cluster-scoped ones). */
function listings(subject: LiveSubject): Array<{ apiVersion: string; kind: string; namespace?: string }> {
  return groupsOf([...subject.objects.head, ...subject.objects.base]).map((group) => {
    const { apiVersion, kind, namespace } = group[0]!;
    return { apiVersion, kind, ...(namespace !== null ? { namespace } : {}) };
  });
}

async function prunePrediction(session: ClusterSession, subject: LiveSubject, deployer: Deployer, created: Created, failures: Failures) {
  const ownership = ownershipOf(deployer);
  if (!ownership) return [];
  const owned: JsonObject[] = [];
  await Promise.all(
    listings(subject).map(async ({ apiVersion, kind, namespace }) => {
      try {
        const items = await session.list(apiVersion, kind, { ...(namespace ? { namespace } : {}), ...(ownership.labelSelector ? { labelSelector: ownership.labelSelector } : {}) });
        owned.push(...items.filter((item) => ownership.owns(item)));
        failures.answered++;
      } catch (error) {
        if (!isNewKind(error, { apiVersion, kind, namespace: namespace ?? null, name: '' }, created)) failures.add(error);
      }
    }),
  );
  owned.push(...(await recordedOnly(session, deployer, owned, subject, failures)));
  return prunedObjects({ deployer, owned, base: subject.objects.base.map(refOf), head: subject.objects.head.map(refOf) });
}

/**
 * What the controller's own record (Flux inventory, Argo CD status.resources) lists
 * besides the objects found by their marks and the head's: other kinds and namespaces
 * the controller applied and will prune. A record that cannot be read adds nothing.
 */
async function recordedOnly(session: ClusterSession, deployer: Deployer, found: JsonObject[], subject: LiveSubject, failures: Failures): Promise<JsonObject[]> {
  const record = recordOf(deployer);
  if (!record) return [];
  let listed: ObjectRef[];
  try {
    const object = await session.get(record);
    listed = object ? recordedObjects(object) : [];
  } catch (error) {
    // No Flux or Argo CD in this cluster, or no right to read their objects: the marks alone tell.
    if (!(error instanceof LiveError && (error.reason === 'unknown-kind' || error.reason === 'forbidden'))) failures.add(error);
    return [];
  }
  const known = new Set([...found.map((o) => key(objectRef(o))), ...subject.objects.head.map(key)]);
  const extra = listed.filter((r) => !known.has(key(r)));
  const objects = await Promise.all(
    extra.map((r) =>
      session.get(r).catch((error: unknown) => {
        failures.add(error);
        return null;
      }),
    ),
  );
  return objects.filter((o): o is JsonObject => o !== null);
}

interface TargetOutcome {
  live: TargetLive;
  findings: Finding[];
}

async function reviewTargetLive(session: ClusterSession, cluster: string, subject: LiveSubject, deployer: Deployer, settings: LiveSettings, created: Created): Promise<TargetOutcome> {
  const before = session.requests;
  const failures = new Failures();
  const findings: Finding[] = [];
  const objects = [...subject.objects.base, ...subject.objects.head].filter((r) => !r.name.includes('*'));
  const refs = [...new Map(objects.map((r) => [key(r), refOf(r)])).values()];
  const live = await readLive(session, refs, created, failures);
  const declared = new Set(subject.objects.base.map(key));
  const drift = driftsOf(subject, live, deployer);
  const applied = subject.result.changes.filter((c) => c.head !== null && !c.head.name.includes('*'));
  // The session bounds how many requests are in flight.
  await Promise.all(applied.map(async (change) => {
    try {
      const outcome = await dryRun(session, change, live, deployer, created, declared.has(key(change.head!)), failures);
      change.live = outcome.live;
      if (outcome.rejected !== undefined && settings.rejectedSeverity !== 'off') {
        findings.push(clusterRejectedFinding(subject.result.name, cluster, change.head!, outcome.rejected, settings.rejectedSeverity));
      }
    } catch (error) {
      failures.add(error);
      change.live = { exists: live.get(key(change.head!)) != null, dryRun: 'skipped', message: 'the dry-run could not be sent' };
    }
  }));
  for (const change of subject.result.changes.filter((c) => c.head === null)) {
    const current = live.get(key(change.base!));
    if (current !== undefined) change.live = { exists: current !== null, dryRun: 'skipped', ...(current === null ? { message: 'already absent from the cluster' } : {}) };
  }
  // Ownership is read from the base's declaration: a change cannot make the review list another application's objects.
  const pruned = subject.base ? await prunePrediction(session, subject, deployer, created, failures) : [];
  const status = failures.count === 0 ? 'ok' : failures.answered === 0 ? 'unavailable' : 'degraded';
  const reason = failures.first === null ? undefined : failures.count > 1 ? `${failures.first} (and ${failures.count - 1} more failed requests)` : failures.first;
  return {
    live: {
      cluster,
      status,
      ...(reason ? { reason } : {}),
      fieldManager: deployer.fieldManager,
      force: deployer.force,
      prune: deployer.prune,
      drift,
      pruned,
      requests: session.requests - before,
    },
    findings,
  };
}

/** How the head is applied (its prune setting, manager), under the base declaration's name. */
function deployerFor(subject: LiveSubject, overrides: DeployerOverrides): Deployer {
  const head = deployerOf(subject.head, overrides);
  if (!subject.base) return head;
  const base = deployerOf(subject.base, overrides);
  return { ...head, name: base.name, namespace: base.namespace };
}

function unavailable(cluster: string, deployer: Deployer, reason: string): TargetLive {
  return { cluster, status: 'unavailable', reason, fieldManager: deployer.fieldManager, force: deployer.force, prune: deployer.prune, drift: [], pruned: [], requests: 0 };
}

/** The cluster each subject is checked against: its connection, or why it cannot be asked; subjects no cluster maps are left out. */
async function assign(subjects: LiveSubject[], settings: LiveSettings): Promise<Map<string, { connection: ClusterConnection | null; refused?: string; subjects: LiveSubject[] }>> {
  const { access, config } = settings;
  const clusters = config.clusters ?? {};
  const groups = new Map<string, { connection: ClusterConnection | null; refused?: string; subjects: LiveSubject[] }>();
  const fixed = access.single ?? (Object.keys(clusters).length === 0 ? access.fallback : undefined);
  for (const subject of subjects) {
    // The base's declaration says where the target deploys: a change cannot point the review at another cluster's objects.
    const name = fixed ? fixed.name : clusterFor(subject.base ?? subject.head, clusters, config.live.targets)?.cluster;
    if (name === undefined) continue;
    let group = groups.get(name);
    if (!group) {
      const resolved = fixed ? { connection: fixed } : clusters[name] ? await access.resolve(name, clusters[name]) : { refused: `no cluster "${name}" under clusters: in .safe-deploy.yml` };
      group = 'connection' in resolved ? { connection: resolved.connection, subjects: [] } : { connection: null, refused: resolved.refused, subjects: [] };
      groups.set(name, group);
    }
    group.subjects.push(subject);
  }
  return groups;
}

/**
 * Adds the cluster's view to each subject whose target a cluster is mapped to
 * (result.live, and changes[].live) and returns the cluster-rejected and
 * live-unavailable findings. Never throws for a cluster's fault: that degrades
 * the live section of the targets it concerns, with a one-line reason.
 */
export async function reviewLive(subjects: LiveSubject[], settings: LiveSettings): Promise<Finding[]> {
  const { config } = settings;
  const limits: LiveLimits = {
    ...DEFAULT_LIVE_LIMITS,
    ...settings.limits,
    ...(config.live.timeoutSeconds ? { budgetMs: config.live.timeoutSeconds * 1000 } : {}),
    ...(config.live.concurrency ? { concurrency: config.live.concurrency } : {}),
    ...(config.live.qps ? { qps: config.live.qps, burst: Math.max(1, Math.ceil(config.live.qps * 2)) } : {}),
  };
  const overrides: DeployerOverrides = {
    ...(config.live.fieldManager ? { fieldManager: config.live.fieldManager } : {}),
    ...(config.live.force !== undefined ? { force: config.live.force } : {}),
    ...(config.live.argocdTracking ? { tracking: config.live.argocdTracking } : {}),
  };
  const created = createdBy(subjects);
  const findings: Finding[] = [];
  const groups = await assign(subjects, settings);
  await Promise.all(
    [...groups].map(async ([cluster, group]) => {
      let session: ClusterSession | null = null;
      let refused = group.refused ?? null;
      if (group.connection) {
        try {
          session = await openCluster(group.connection, limits);
        } catch (error) {
          refused = (error as Error).message;
        }
      }
      try {
        // One target at a time: each target's reads run in parallel, and its request count stays its own.
        for (const subject of group.subjects) {
          const deployer = deployerFor(subject, overrides);
          const outcome = session ? await reviewTargetLive(session, cluster, subject, deployer, settings, created) : { live: unavailable(cluster, deployer, refused!), findings: [] };
          subject.result.live = outcome.live;
          findings.push(...outcome.findings);
          if (config.live.required && outcome.live.status !== 'ok') findings.push(liveUnavailableFinding(subject.result.name, cluster, outcome.live.reason ?? 'unknown'));
        }
      } finally {
        session?.close();
      }
    }),
  );
  return findings;
}
