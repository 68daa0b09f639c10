// The review pipeline of DESIGN §1, one function: revisions in, a Review out.
import { realpath } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { loadCustomPolicies } from './config/custom-policies.js';
import { CONFIG_FILE, defaultConfig, loadConfigFile, parseConfig } from './config/load.js';
import type { Config } from './config/schema.js';
import { analyzeImpacts, type TargetObjects } from './core/impact.js';
import { blastRadius } from './core/blast-radius.js';
import type { Change, Finding, Review, TargetResult } from './core/model.js';
import { HiddenFields, type IgnoreTally } from './core/diff/hidden-fields.js';
import { admitAcrossTargets, schemaSubjects, validateAcrossTargets } from './core/policy/across-targets.js';
import type { PolicySet } from './core/policy/admission/policies.js';
import { evaluatePolicies, type PolicyOutcome, type PolicySettings } from './core/policy/engine.js';
import { clusterRejected } from './core/policy/cluster-rejected.js';
import { guardHidden } from './core/policy/hidden-guard.js';
import { requiredReviews } from './core/review-routing.js';
import type { RuleContext } from './core/policy/rule.js';
import { renderFailedFinding } from './core/policy/render-failed.js';
import { renderIncomplete, renderIncompleteFinding } from './core/policy/render-incomplete.js';
import { verdictOf } from './core/policy/verdict.js';
import { displayName, type Resource } from './core/resource.js';
import { secretScrubber, secretValuesOf } from './core/secrets.js';
import { summarize } from './core/summary.js';
import { syncedDiff } from './core/sync/index.js';
import { judgedModel } from './core/sync/judged.js';
import { RenderError, UserError } from './errors.js';
import { prerender, renderTarget } from './render/index.js';
import type { RenderCacheSpec } from './render/cache.js';
import { DEFAULT_LIMITS, type Limits } from './render/sandbox.js';
import { findTool } from './render/tools.js';
import { liveAccess, type LiveAccessSpec } from './live/access.js';
import type { LiveSubject } from './live/review-live.js';
import type { LiveLimits } from './live/session.js';
import { loadBuiltinSchemas } from './schema/packages.js';
import { assertRepository, branchName, changedFiles, mergeBase, remoteURLs, resolveCommit } from './repo/git.js';
import { Snapshot } from './repo/snapshot.js';
import { discoverTargets } from './targets/discover.js';
import { planTargets, type PlannedTarget } from './targets/plan.js';
import { knownRepository, normalizeRepoURL } from './targets/repo-url.js';
import { syncModelOf, type NotRendered, type Target } from './core/target.js';
import { caches as threadCaches, type Caches } from './util/cache.js';
import { DiskCache } from './util/disk-cache.js';
import { mapLimit } from './util/map-limit.js';
import { tracer } from './util/trace.js';

export interface ReviewRequest {
  /** Local git repository (a work tree or a bare mirror). */
  repo: string;
  /** Any git revisions. */
  base: string;
  head: string;
  /** A config file on disk, used instead of the base revision's .safe-deploy.yml. */
  configFile?: string;
  /** Review only the targets with these names, as the review names them (`/safe-deploy rerun <target>`). */
  targets?: string[];
  /** URLs the platform knows this repository by (clone, web, ssh), besides its git remotes and the config's repoURLs. */
  repoURLs?: string[];
  /** The branch the merge request targets; else the branch `base` names, if it names one. */
  baseBranch?: string;
  /** Live mode: which clusters the review may ask (the operator's or the CLI user's choice); absent, none. */
  live?: { access: LiveAccessSpec; limits?: Partial<LiveLimits> };
  /** Renders are also remembered on disk here, in a folder of this repository's own; absent, in memory only. */
  renderCache?: RenderCacheSpec;
}

type RenderOutcome = { ok: true; resources: Resource[]; notes: string[] } | { ok: false; error: RenderError };

/** Renders one side; a target absent on that side renders to nothing. */
async function render(snapshot: Snapshot, target: Target | null, limits: Limits): Promise<RenderOutcome> {
  if (!target) return { ok: true, resources: [], notes: [] };
  try {
    return { ok: true, ...(await renderTarget(snapshot, target, limits)) };
  } catch (error) {
    return { ok: false, error: error instanceof RenderError ? error : new RenderError((error as Error).message) };
  }
}

/** The config of the base revision (never the head's: a change must not relax the rules that judge it). */
async function baseConfig(snapshot: Snapshot, configFile: string | undefined): Promise<Config> {
  if (configFile) return loadConfigFile(configFile);
  if (!snapshot.files.has(CONFIG_FILE)) return defaultConfig();
  const text = await snapshot.readText(CONFIG_FILE).catch((error: Error) => {
    throw new UserError(error.message);
  });
  return parseConfig(text, CONFIG_FILE);
}

interface TargetReview {
  /** null when the directory holds no Kubernetes object on either side: then it is no target. */
  result: TargetResult | null;
  findings: Finding[];
  /** The renders, for the admission policies that look across targets. */
  objects?: TargetObjects;
  policies: PolicySettings;
  /** Secret values of either side's render or render inputs: never shown in any message. */
  secrets: string[];
  /** Findings at base that the change fixes. */
  resolved?: number;
  /** The target's Kubernetes version, when it names one. */
  kubernetesVersion?: string;
  /** What diff.ignore hid in the target. */
  ignored?: IgnoreTally[];
  /** Error findings diff.ignore would have hidden: a config error. */
  hiddenErrors?: Finding[];
}

/**
 * The base config's policy settings for one target. Exclusions that name a
 * target were written for the base's targets: a target new at head gets none of
 * them, whatever it calls itself.
 */
function policiesFor(planned: PlannedTarget, config: Config): PolicySettings {
  return planned.base ? config.policies : { ...config.policies, exclude: config.policies.exclude.filter((x) => x.target === undefined) };
}

/** The secret values a render showed or, when it failed, its renderer knew of. */
function secretsOf(outcome: RenderOutcome): string[] {
  return outcome.ok ? outcome.resources.flatMap((r) => secretValuesOf(r.object)) : outcome.error.secrets;
}

async function reviewTarget(planned: PlannedTarget, base: Snapshot, head: Snapshot, limits: Limits, config: Config): Promise<TargetReview> {
  const findings: Finding[] = [];
  const { name } = planned;
  const policies = policiesFor(planned, config);
  const trace = tracer(name);
  const [before, after] = await Promise.all([render(base, planned.base, limits), render(head, planned.head, limits)]);
  trace('rendered');
  const secrets = [...secretsOf(before), ...secretsOf(after)];
  const target = (planned.head ?? planned.base)!;
  const result: TargetResult = {
    name,
    path: target.path,
    renderer: target.renderer,
    ...(target.declaredBy ? { declaredBy: target.declaredBy } : {}),
    status: 'ok',
    changes: [],
  };
  if (!after.ok) {
    findings.push(renderFailedFinding(name, after.error.message, after.error.file, after.error.line));
    return { result: { ...result, status: 'error', error: after.error.message }, findings, policies, secrets };
  }
  if (!before.ok) {
    findings.push({
      rule: 'render-failed',
      severity: 'notice',
      target: name,
      message: `Target ${name} did not render at base (${before.error.message}); all its objects are shown as new.`,
      overridden: false,
      introduced: true,
    });
  }
  const incompleteSeverity = policies.rules[renderIncomplete.id] ?? renderIncomplete.defaultSeverity;
  const incomplete = incompleteSeverity === 'off' ? null : renderIncompleteFinding(name, after.notes, incompleteSeverity, target.declaredBy?.file);
  if (incomplete) findings.push(incomplete);
  const baseResources = before.ok ? before.resources : [];
  if (baseResources.length === 0 && after.resources.length === 0) return { result: null, findings, policies, secrets };
  const objects = { base: baseResources, head: after.resources };
  const judged = judgedModel(planned.base && syncModelOf(planned.base), syncModelOf(target));
  const hidden = new HiddenFields(config.diff.ignore, name);
  const synced = syncedDiff(objects.base, objects.head, judged.model, hidden);
  result.changes = analyzeImpacts(synced.changes, objects);
  if (result.changes.length) result.blastRadius = blastRadius(result.changes, objects.head);
  if (synced.syncOrder) result.syncOrder = synced.syncOrder;
  const notes = [...judged.notes, ...synced.notes];
  if (notes.length) result.notes = notes;
  const kubernetesVersion = (planned.head ?? planned.base)?.kubernetesVersion;
  const context = { target: name, changes: result.changes, ...objects, ...(kubernetesVersion ? { kubernetesVersion } : {}) };
  // The schema packages start loading while other targets still render; the review validates once all are in.
  const subjects = schemaSubjects([{ result, policies }]);
  if (subjects.length) void loadBuiltinSchemas(subjects).catch(() => undefined);
  const ignored = hidden.tally();
  const judgedPolicies = ignored.length ? judgeWithHidden(context, policies, hidden, () => analyzeImpacts(syncedDiff(objects.base, objects.head, judged.model).changes, objects)) : { ...evaluatePolicies(context, policies), hidden: [] };
  findings.push(...judgedPolicies.findings);
  trace('diffed and judged');
  return { result, findings, objects, policies, secrets, resolved: judgedPolicies.resolved, ignored, hiddenErrors: judgedPolicies.hidden, ...(kubernetesVersion ? { kubernetesVersion } : {}) };
}

/**
 * The rules' findings when diff.ignore hid field changes of the target: judged
 * without the hidden fields, kept only where they also hold on the whole change
 * (`whole` diffs again without diff.ignore), with the error findings the hidden fields took away.
 */
function judgeWithHidden(context: RuleContext, policies: PolicySettings, hidden: HiddenFields, whole: () => Change[]): PolicyOutcome & { hidden: Finding[] } {
  const strip = (r: Resource | null) => r && hidden.strip(r);
  const quiet = evaluatePolicies({ ...context, changes: context.changes.map((c) => ({ ...c, base: strip(c.base), head: strip(c.head) })) }, policies);
  const guarded = guardHidden(quiet.findings, evaluatePolicies({ ...context, changes: whole() }, policies).findings);
  return { resolved: quiet.resolved, ...guarded };
}

/** Adds what a cross-target judgement found for one target to its review. */
function take(review: TargetReview, outcome: PolicyOutcome): TargetReview {
  review.findings.push(...outcome.findings);
  review.resolved = (review.resolved ?? 0) + outcome.resolved;
  return review;
}

/** A declaration that fails at head (or past a limit) is a target that does not render: nothing it deploys can be predicted. */
function failedDeclaration(entry: NotRendered): Finding {
  const { kind, file } = entry.declaredBy;
  return renderFailedFinding(`${kind} ${entry.name}`, entry.reason, file);
}

/**
 * Takes every known secret value out of the review's free text: render errors
 * (a renderer may echo its inputs), target notes and the messages of findings and impacts.
 * Diffs are redacted field by field already.
 */
function scrubMessages(results: TargetResult[], findings: Finding[], scrub: (text: string) => string): void {
  for (const result of results) {
    if (result.error !== undefined) result.error = scrub(result.error);
    if (result.notes) result.notes = result.notes.map(scrub);
    for (const impact of result.changes.flatMap((c) => c.impacts)) impact.message = scrub(impact.message);
    // The API server may quote what it was sent.
    for (const change of result.changes) if (change.live?.message !== undefined) change.live.message = scrub(change.live.message);
    if (result.live?.reason !== undefined) result.live.reason = scrub(result.live.reason);
    for (const field of result.live?.drift.flatMap((d) => d.fields) ?? []) field.message = scrub(field.message);
  }
  for (const finding of findings) finding.message = scrub(finding.message);
}

/** diff.ignore may not hide a finding of severity error: an entry that would is a config error, named with what it would hide. */
function refuseHiddenErrors(reviewed: TargetReview[], config: Config, file: string): void {
  const hidden = reviewed.flatMap((r) => r.hiddenErrors ?? []);
  if (!hidden.length) return;
  const entries = [...new Set(reviewed.flatMap((r) => (r.hiddenErrors?.length ? (r.ignored ?? []).map((t) => t.entry) : [])))].sort((a, b) => a - b);
  const named = entries.map((i) => `diff.ignore[${i}] (${describeIgnore(config.diff.ignore[i]!)})`).join(', ');
  const findings = hidden.slice(0, 5).map((f) => `${f.rule} on ${displayName({ kind: f.kind ?? '', namespace: f.namespace ?? null, name: f.name ?? '' })} in ${f.target}`);
  throw new UserError(
    `${file}: ${named} would hide the error finding${hidden.length > 1 ? 's' : ''} ${findings.join('; ')}${hidden.length > 5 ? ` and ${hidden.length - 5} more` : ''}. ` +
      'A field a blocking rule reads cannot be ignored: narrow the entry (kind, name, namespace, target) or remove that field from it.',
  );
}

function describeIgnore(entry: Config['diff']['ignore'][number]): string {
  const scope = (['group', 'kind', 'namespace', 'name', 'target'] as const).flatMap((key) => (entry[key] !== undefined ? [`${key} ${entry[key]}`] : []));
  return [...scope, ...(entry.jsonPointers ?? []), ...(entry.fields ?? [])].join(', ');
}

/** What each diff.ignore entry hid across the review's targets. */
function ignoredTotals(reviewed: TargetReview[]): Pick<Review, 'ignored'> {
  const totals = new Map<number, IgnoreTally>();
  for (const tally of reviewed.flatMap((r) => r.ignored ?? [])) {
    const sum = totals.get(tally.entry) ?? { entry: tally.entry, fields: 0, objects: 0, unchanged: 0 };
    totals.set(tally.entry, { entry: tally.entry, fields: sum.fields + tally.fields, objects: sum.objects + tally.objects, unchanged: sum.unchanged + tally.unchanged });
  }
  return totals.size ? { ignored: [...totals.values()].sort((a, b) => a.entry - b.entry) } : {};
}

/** The targets live mode looks at: those that rendered at head, with their renders. */
function liveSubjects(targets: PlannedTarget[], reviewed: TargetReview[]): LiveSubject[] {
  return reviewed.flatMap((r, i) => {
    const { base, head } = targets[i]!;
    return r.result?.status === 'ok' && r.objects && head ? [{ base, head, result: r.result, objects: r.objects }] : [];
  });
}

/** Versions of the renderer binaries the review used, for the footer. */
async function toolVersions(results: TargetResult[]): Promise<string[]> {
  const used = new Set(results.map((r) => r.renderer).filter((r) => r !== 'plain'));
  const tools = await Promise.all([...used].sort().map((name) => findTool(name as 'helm' | 'kustomize').then((t) => t.version, () => null)));
  return tools.filter((t): t is string => t !== null);
}

/**
 * Which repository the review's renders belong to on disk, so that no two
 * repositories share them: the platform's URL for it, else a remote of the
 * checkout, else the checkout's path.
 */
async function repositoryIdentity(request: ReviewRequest): Promise<string> {
  for (const url of [...(request.repoURLs ?? []), ...(await remoteURLs(request.repo))]) {
    const normalized = normalizeRepoURL(url);
    if (normalized) return normalized;
  }
  return realpath(request.repo);
}

/** The review of `request`; its snapshots remember renders and reads through `caches` (by default the thread's). */
export async function runReview(request: ReviewRequest, caches: Caches = threadCaches): Promise<Review> {
  const trace = tracer('review');
  await assertRepository(request.repo);
  const [baseSha, headSha] = await Promise.all([resolveCommit(request.repo, request.base), resolveCommit(request.repo, request.head)]);
  const forkPoint = await mergeBase(request.repo, baseSha, headSha);
  const { renderCache } = request;
  const stored = renderCache ? await DiskCache.open(renderCache.dir, await repositoryIdentity(request), renderCache.maxBytes) : null;
  const [base, head] = await Promise.all([Snapshot.open(request.repo, forkPoint, caches, stored), Snapshot.open(request.repo, headSha, caches, stored)]);
  trace('revisions');
  try {
    // Discovery of the base starts at once; it is needed unless the config lists targets.
    void discoverTargets(base).catch(() => undefined);
    const config = await baseConfig(base, request.configFile);
    const custom = await loadCustomPolicies(base, config.policies.custom);
    const changed = await changedFiles(request.repo, forkPoint, headSha);
    trace('config');
    const known = knownRepository([...(config.repoURLs ?? []), ...(request.repoURLs ?? []), ...(await remoteURLs(request.repo))]);
    const limits: Limits = {
      timeoutMs: (config.render.timeoutSeconds ?? DEFAULT_LIMITS.timeoutMs / 1000) * 1000,
      maxOutputBytes: (config.render.maxOutputMB ?? DEFAULT_LIMITS.maxOutputBytes / 2 ** 20) * 2 ** 20,
      maxMemoryBytes: (config.render.maxMemoryMB ?? DEFAULT_LIMITS.maxMemoryBytes / 2 ** 20) * 2 ** 20,
    };
    const baseBranch = request.baseBranch ?? (await branchName(request.repo, request.base));
    const { targets: planned, notRendered } = await planTargets(config, base, head, changed, known, limits, baseBranch);
    trace(`plan (${planned.length} affected)`);
    const targets = request.targets ? planned.filter((t) => request.targets!.includes(t.name)) : planned;
    // Many kustomize targets render in a few batched builds, into the render cache.
    await prerender(
      [
        { snapshot: base, targets: targets.flatMap((t) => (t.base ? [t.base] : [])) },
        { snapshot: head, targets: targets.flatMap((t) => (t.head ? [t.head] : [])) },
      ],
      limits,
    );
    trace('batched renders started');
    // Each target renders both sides at once; renderers wait on I/O part of the time, so a target per core keeps them busy.
    const parallel = Math.max(1, availableParallelism());
    const reviewed = await mapLimit(targets, parallel, (t) => reviewTarget(t, base, head, limits, config));
    trace('render, diff, rules');
    // Before any later work: an ignore entry that hides an error finding makes the whole review a config error.
    refuseHiddenErrors(reviewed, config, request.configFile ?? CONFIG_FILE);
    admitAcrossTargets(reviewed, custom).forEach((outcome, i) => take(reviewed[i]!, outcome));
    trace('admission policies');
    // The schema packages load only when there is something to validate.
    const subjects = schemaSubjects(reviewed);
    if (subjects.length) {
      validateAcrossTargets(reviewed, await loadBuiltinSchemas(subjects)).forEach((outcome, i) => {
        const { result } = take(reviewed[i]!, outcome);
        if (outcome.notes.length) result!.notes = [...(result!.notes ?? []), ...outcome.notes];
      });
    }
    trace('schema validation');
    // The cluster client loads only for live reviews.
    const liveFindings = request.live ? await (await import('./live/review-live.js')).reviewLive(liveSubjects(targets, reviewed), { access: liveAccess(request.live.access), ...(request.live.limits ? { limits: request.live.limits } : {}), config, rejectedSeverity: config.policies.rules[clusterRejected.id] ?? clusterRejected.defaultSeverity }) : [];
    if (request.live) trace('live clusters');
    const results = reviewed.flatMap((r) => (r.result ? [r.result] : []));
    const findings = [...reviewed.flatMap((r) => r.findings), ...liveFindings, ...notRendered.filter((n) => n.failed).map(failedDeclaration)];
    scrubMessages(results, findings, secretScrubber(reviewed.flatMap((r) => r.secrets)));
    const review: Review = {
      verdict: verdictOf(results, findings, config.policies.blockOn),
      base: baseSha,
      head: headSha,
      mergeBase: forkPoint,
      summary: summarize(results),
      targets: results,
      findings,
      resolved: reviewed.reduce((sum, r) => sum + (r.resolved ?? 0), 0),
      blockOn: config.policies.blockOn,
      tools: await toolVersions(results),
      ...(notRendered.length ? { notRendered } : {}),
      ...ignoredTotals(reviewed),
    };
    if (config.reviews) review.reviews = requiredReviews(review, config.reviews, changed);
    return review;
  } finally {
    await Promise.all([base.dispose(), head.dispose(), stored?.flush()]);
    if (stored) trace(`render cache on disk: ${stored.stats.hits} read, ${stored.stats.misses} missed, ${stored.stats.corrupt} damaged, ${stored.stats.writes} written`);
  }
}
