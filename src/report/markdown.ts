// The MR comment (DESIGN §6): marker, verdict and counts, findings, one
// collapsible section per target with a diff block per object, footer.
import type { ChangeLive, TargetLive } from '../core/live/model.js';
import type { Change, Finding, Impact, Review, RoutedReview, Severity, TargetResult } from '../core/model.js';
import { displayName } from '../core/resource.js';
import { findRule } from '../core/policy/catalog.js';
import { countsForVerdict, sortFindings } from '../core/policy/verdict.js';
import { environmentMatrix, isShared, type EnvironmentMatrix, type MatrixGroup } from '../core/matrix.js';
import { imageMoves } from '../core/image-summary.js';
import { reviewClusters, clusteredPaths } from '../core/clusters.js';
import { clustersSection, MAX_CLUSTERS } from './clusters-section.js';
import { changeAnchors } from './anchors.js';
import { blastRadiusSection, type BlastRadiusSection } from './blast-radius-section.js';
import { imagesSection } from './images-section.js';
import { ACTION_ICON, matrixTable, sameInLine, sharedLine } from './matrix-section.js';
import { COMMENT_LIMITS, estimateDiffSize, fitToLimit, type BudgetPlan } from './budget.js';
import { escapeText, escapeTextWithin, code, fenced } from './markdown-text.js';
import { plural } from '../core/plural.js';

export const COMMENT_MARKER = '<!-- safe-deploy:review -->';

/** The first lines of the review comment: the marker it is found by, then the head commit it reviewed. */
export function commentPreamble(head: string): string {
  return `${COMMENT_MARKER}\n<!-- safe-deploy:head ${head} -->`;
}

/** The review comment: the bot's own comment that starts with the marker (a reply quoting the marker is not it). */
export function reviewComment<C extends { own: boolean; body: string }>(comments: C[]): C | undefined {
  return comments.find((c) => c.own && c.body.startsWith(COMMENT_MARKER));
}

/** The head commit a review comment (one that starts with the preamble) reviewed; null for any other text. */
export function reviewedHead(body: string): string | null {
  return /^<!-- safe-deploy:review -->\n<!-- safe-deploy:head ([0-9a-f]{40,64}) -->\n/.exec(body)?.[1] ?? null;
}

/** Where rule explanations live; findings link to `#<rule-id>`. */
export const RULES_DOC_URL = 'https://github.com/safe-deploy/safe-deploy/blob/main/docs/rules.md';

export interface MarkdownOptions {
  /** Character limit of the platform (default: GitHub's). */
  limit?: number;
  /** Base URL of the rule docs (default RULES_DOC_URL). */
  rulesUrl?: string;
  /** false for replies: only the main comment carries the marker it is found by. */
  marker?: boolean;
  /** The signed link to this review's full report page, when one was published. */
  reportUrl?: string;
  /** URL of a file at the head revision, for source links; none means plain text. */
  sourceLink?: (file: string, line?: number) => string | null;
  /** The review's required approvals as the platform answered (who approved the head); else as the review has them. */
  reviews?: RoutedReview[];
}

const MAX_QUIET_NAMES = 30;
const SEVERITY_ICON: Record<Severity, string> = { error: '❌', warning: '⚠️', notice: 'ℹ️' };
const IMPACT_LABEL: Record<Impact['type'], string> = {
  rollout: '🔄 rollout',
  recreate: '♻️ recreate',
  'data-loss': '💥 data loss',
  downtime: '⛔ downtime',
  exposure: '🌐 exposure',
  'not-rolled-out': '⏸️ not rolled out',
};


function countsLine(review: Review): string {
  const { created, updated, replaced, deleted } = review.summary;
  const parts = [`${created} created`, `${updated} updated`, `${replaced} replaced`, `${deleted} deleted`];
  const bySeverity = (s: Severity) => review.findings.filter((f) => f.severity === s && !f.overridden && countsForVerdict(f, review.blockOn)).length;
  const findings = (['error', 'warning', 'notice'] as const).filter((s) => bySeverity(s) > 0).map((s) => plural(bySeverity(s), s));
  const inherited = review.findings.filter((f) => !f.introduced).length;
  const before = [...(inherited ? [`${inherited} already present`] : []), ...(review.resolved ? [`${review.resolved} resolved`] : [])];
  return `**${parts.join(' · ')}** in ${plural(review.targets.length, 'target')}${[findings.join(', '), ...before].filter(Boolean).map((s) => ` · ${s}`).join('')}`;
}

function header(review: Review, marker: boolean): string[] {
  const failing = review.verdict === 'fail';
  const title = failing ? '## ❌ safe-deploy: this merge is blocked' : '## ✅ safe-deploy: safe to merge';
  const lines = [...(marker ? [commentPreamble(review.head)] : []), title, '', countsLine(review)];
  if (review.targets.every((t) => t.changes.length === 0) && review.targets.every((t) => t.status === 'ok')) {
    lines.push('', 'No Kubernetes object changes.');
  } else {
    lines.push('', '### What happens when this merges', '', outcomeLine(review));
  }
  return lines;
}

/** "3 workloads roll out (12 pods) · 1 object recreated · 2 deleted · 1 data loss", from the impacts. */
export function outcomeLine(review: Review): string {
  const changes = review.targets.flatMap((t) => t.changes);
  const impacts = changes.flatMap((c) => c.impacts.map((i) => ({ change: c, impact: i })));
  const count = (type: Impact['type']) => impacts.filter((i) => i.impact.type === type).length;
  const rollouts = impacts.filter((i) => i.impact.type === 'rollout' && i.impact.scaled === undefined);
  const pods = rollouts.reduce((n, i) => n + (i.impact.pods ?? 0), 0);
  const daemonSets = rollouts.filter((i) => i.change.kind === 'DaemonSet').length;
  const scaled = (sign: number) => impacts.reduce((n, i) => n + Math.max(0, sign * (i.impact.scaled ?? 0)), 0);
  const podText = [pods ? plural(pods, 'pod') : '', daemonSets ? `one per node for ${plural(daemonSets, 'DaemonSet')}` : ''].filter(Boolean).join(' + ');
  const parts = [
    rollouts.length ? `${plural(rollouts.length, 'workload')} roll${rollouts.length === 1 ? 's' : ''} out${podText ? ` (${podText})` : ''}` : '',
    scaled(1) ? `${plural(scaled(1), 'pod')} added` : '',
    scaled(-1) ? `${plural(scaled(-1), 'pod')} removed` : '',
    count('recreate') ? `${plural(count('recreate'), 'object')} recreated` : '',
    review.summary.deleted ? `${review.summary.deleted} deleted` : '',
    changes.some((c) => c.action === 'delete' && c.prune === false)
      ? `${changes.filter((c) => c.action === 'delete' && c.prune === false).length} left in the cluster`
      : '',
    count('data-loss') ? `${count('data-loss')} data loss` : '',
    count('downtime') ? `${count('downtime')} downtime` : '',
    count('exposure') ? `${plural(count('exposure'), 'exposure change')}` : '',
    count('not-rolled-out') ? `${count('not-rolled-out')} not rolled out` : '',
  ].filter(Boolean);
  return parts.length ? parts.join(' · ') : 'No pod restarts, nothing is deleted.';
}

function ruleCell(id: string, options: MarkdownOptions): string {
  const rule = findRule(id);
  if (!rule) return code(id);
  return `[${code(id)}](${options.rulesUrl ?? RULES_DOC_URL}#${id})<br><sub>${escapeText(rule.summary)}</sub>`;
}

function resourceCell(f: Finding): string {
  if (!f.kind || !f.name) return escapeText(`target ${f.target}`);
  return code(`${f.kind} ${f.namespace ? `${f.namespace}/` : ''}${f.name}`);
}

function sourceCell(f: Finding, options: MarkdownOptions): string {
  if (!f.file) return '';
  const label = code(f.line ? `${f.file}:${f.line}` : f.file);
  const url = options.sourceLink?.(f.file, f.line);
  return url ? `[${label}](${url})` : label;
}

function tableOf(findings: Finding[], options: MarkdownOptions): string[] {
  const lines = ['| Severity | Rule | Resource | Message | Source |', '| --- | --- | --- | --- | --- |'];
  for (const f of findings) {
    const severity = f.overridden ? `~~${f.severity}~~ overridden` : `${SEVERITY_ICON[f.severity]} ${f.severity}`;
    lines.push(`| ${severity} | ${ruleCell(f.rule, options)} | ${resourceCell(f)} | ${escapeText(f.message)} | ${sourceCell(f, options)} |`);
  }
  return lines;
}

/** Findings the change introduces in the table; those already present at base folded away below it. */
function findingsTable(review: Review, maxRows: number, options: MarkdownOptions): string[] {
  if (review.findings.length === 0) return [];
  const sorted = sortFindings(review.findings);
  const introduced = sorted.filter((f) => f.introduced).slice(0, maxRows);
  const all = sorted.filter((f) => !f.introduced);
  const inherited = all.slice(0, Math.max(0, maxRows - introduced.length));
  const lines = introduced.length ? ['', '### Findings', '', ...tableOf(introduced, options)] : [];
  if (all.length) {
    const summary = `<details><summary>Already present before this change (${all.length})</summary>`;
    lines.push('', summary, '', '_These held at base too; they count for the verdict only with `policies.blockOn: all`._', '', ...tableOf(inherited, options), '', '</details>');
  }
  const hidden = review.findings.length - introduced.length - inherited.length;
  if (hidden > 0) lines.push('', `_${plural(hidden, 'more finding')} not shown for size: see the check run or \`--format json\`._`);
  return lines;
}

// The section is never trimmed: ten rows of bounded reasons keep it a few kilobytes whatever the merge request names.
const MAX_REVIEWS = 10;

/** Why a review is needed, escaped and bounded: the comment and the approvals check show it alike. */
export const reviewReason = (because: string): string => escapeTextWithin(because, 320);

/** Who must approve, why, and who did: a few rows that every comment keeps. */
function reviewsSection(reviews: RoutedReview[] | undefined): string[] {
  if (!reviews?.length) return [];
  const open = reviews.filter((r) => r.satisfied !== true).length;
  const asked = reviews.some((r) => r.satisfied !== undefined);
  const title = asked ? (open ? `### Reviews needed (${open} of ${reviews.length} open)` : '### Reviews needed: all approved') : `### Reviews needed (${reviews.length})`;
  const lines = ['', title, '', '| Review | Why | Approval |', '| --- | --- | --- |'];
  // Open entries first: those left out for room are the approved ones, if any.
  const rows = [...reviews.filter((r) => r.satisfied !== true), ...reviews.filter((r) => r.satisfied === true)];
  for (const r of rows.slice(0, MAX_REVIEWS)) {
    const who = r.require.map((w) => code(w)).join(' or ');
    const state = r.satisfied ? `✅ ${r.approvedBy!.map((u) => code(`@${u}`)).join(', ')}` : `⏳ needs ${who}`;
    lines.push(`| ${escapeText(r.name)} | ${r.because.map(reviewReason).join('<br>')} | ${state} |`);
  }
  if (reviews.length > MAX_REVIEWS) lines.push('', `_…and ${reviews.length - MAX_REVIEWS} more: see the \`safe-deploy/approvals\` check._`);
  lines.push('', '_Only an approval of this head counts; a new push needs new approvals._');
  return lines;
}

function overridesSection(review: Review): string[] {
  if (!review.overrides?.length) return [];
  const lines = ['', '### Overrides', '', '| Rule | Resource | By | Reason |', '| --- | --- | --- | --- |'];
  for (const o of review.overrides) {
    lines.push(`| ${code(o.rule)} | ${o.resource ? code(o.resource) : 'all'} | ${escapeText(o.by)} | ${escapeText(o.reason)} |`);
  }
  lines.push('', '_Overrides hold for this head commit only; a new push clears them._');
  return lines;
}

function changeTitle(change: Change): string {
  const id = `${change.kind} ${change.namespace ? `${change.namespace}/` : ''}${change.name}`;
  const from = change.previousNamespace
    ? ` (moved from namespace ${code(change.previousNamespace)})`
    : change.previousName && change.previousName !== change.name
      ? ` (was ${code(change.previousName)})`
      : '';
  return `#### ${ACTION_ICON[change.action]} ${change.action} ${code(id)}${from}${syncRemarks(change)}`;
}

/** How the controller treats the object, after its title: "· PreSync hook · left in the cluster". */
function syncRemarks(change: Change): string {
  const remarks = [
    change.hook ? `${change.hook.phases.join('/') || 'inactive'} hook` : '',
    change.prune === false ? 'left in the cluster' : '',
    ...(change.syncOptions ?? []).map(code),
    change.ignoreExtraneous ? `${code('IgnoreExtraneous')}: not reported out of sync, deleted by the next sync with pruning` : '',
  ].filter(Boolean);
  return remarks.map((r) => ` · ${r}`).join('');
}

const MAX_ORDER_OBJECTS = 40;

/** "PreSync: Job shop/migrate → Sync wave -1: Namespace shop → Sync: …", at most MAX_ORDER_OBJECTS names. */
export function syncOrderLine(steps: NonNullable<TargetResult['syncOrder']>): string {
  let left = MAX_ORDER_OBJECTS;
  const parts: string[] = [];
  for (const step of steps) {
    if (left <= 0) break;
    const shown = step.objects.slice(0, left);
    left -= shown.length;
    parts.push(`${step.phase}${step.wave !== 0 ? ` wave ${step.wave}` : ''}: ${shown.join(', ')}`);
  }
  const total = steps.reduce((n, s) => n + s.objects.length, 0);
  return `${parts.join(' → ')}${total > MAX_ORDER_OBJECTS ? ` … and ${total - MAX_ORDER_OBJECTS} more` : ''}`;
}

/** The diff without its ---/+++ header: the title above already names the object. */
export function diffBlock(change: Pick<Change, 'diff'>): string[] {
  const body = change.diff.split('\n').filter((line, i) => i > 1 || !(line.startsWith('--- ') || line.startsWith('+++ ')));
  return ['', ...fenced('diff', body.join('\n'))];
}

/** What the cluster says of one change, as a list item; none when it agrees with the branch. */
function liveRemark(change: Change, live: ChangeLive): string | null {
  if (live.dryRun === 'rejected') return `🚫 cluster rejects it: ${escapeText(live.message ?? '')}`;
  if (live.message !== undefined) return `cluster: ${escapeText(live.message)}`;
  if (!live.exists && change.action === 'update') return 'cluster: not in the cluster now, the sync creates it';
  if (live.exists && change.action === 'create') return 'cluster: already in the cluster, the sync takes it over';
  return null;
}

/** A change's entry; a change made in several targets says so under its title. `diff`: the part of its diff told here (clustered fields are told once above). */
function changeSection(change: Change, omitted: boolean, diff: string, group?: MatrixGroup, reportLink?: string): string[] {
  const lines = ['', changeTitle(change), ...(group ? ['', sameInLine(group)] : [])];
  const remark = change.live ? liveRemark(change, change.live) : null;
  if (change.impacts.length || remark) lines.push('');
  for (const impact of change.impacts) lines.push(`- ${IMPACT_LABEL[impact.type]}: ${escapeText(impact.message)}`);
  if (remark) lines.push(`- ${remark}`);
  if (omitted) {
    const where = reportLink ? `[See it in the full report](${reportLink}), or reply` : 'Reply';
    lines.push('', `_Diff not shown: the comment is over the size limit. ${where} ${code(`/safe-deploy show ${change.kind}/${change.name}`)} to see it._`);
  } else {
    if (diff === '') lines.push('', '_Only the repeated changes above._');
    else {
      if (diff !== change.diff) lines.push('', '_Besides the repeated changes above:_');
      lines.push(...diffBlock({ diff }));
    }
    if (change.live?.differs && change.live.diff) lines.push('', '_In the cluster (live → after merge), which differs from the branch:_', ...diffBlock({ diff: change.live.diff }));
  }
  return lines;
}

const MAX_LIVE_ITEMS = 20;

/** Items past the first MAX_LIVE_ITEMS are counted. */
function capped(items: string[]): string[] {
  return items.length > MAX_LIVE_ITEMS ? [...items.slice(0, MAX_LIVE_ITEMS), `- …and ${items.length - MAX_LIVE_ITEMS} more`] : items;
}

/** A target's cluster: how it was asked, drift from the base branch, and what only the cluster has. */
function liveSection(live: TargetLive): string[] {
  const lines = ['', `**Cluster ${code(live.cluster)}** · dry-run as ${code(live.fieldManager)}${live.force ? ' (forced)' : ''} · pruning ${live.prune ? 'on' : 'off'}`];
  if (live.status !== 'ok') lines.push('', `_Live check ${live.status === 'unavailable' ? 'not done' : 'incomplete'}: ${escapeText(live.reason ?? 'unknown reason')}_`);
  const drift = live.drift.flatMap((d) => d.fields.map((f) => `- ${code(displayName(d))}: ${escapeText(f.message)}`));
  if (drift.length) lines.push('', 'Cluster differs from the base branch:', ...capped(drift));
  const only = live.pruned.filter((p) => !p.inBranchDiff);
  const deleted = only.filter((p) => p.action === 'delete').map((p) => `- 🗑️ ${code(displayName(p))} (${escapeText(p.owner)})`);
  const left = only.filter((p) => p.action === 'left-behind').map((p) => `- ${code(displayName(p))} (${escapeText(p.owner)}${p.reason ? `; ${escapeText(p.reason)}` : ''})`);
  if (deleted.length) lines.push('', 'Only in the cluster, pruned by the sync:', ...capped(deleted));
  if (left.length) lines.push('', 'Only in the cluster, left behind:', ...capped(left));
  return lines;
}

/**
 * The parts of one comment, each rendered once: fitting a big review into a
 * limit renders the comment several times with different parts left out.
 */
class Parts {
  private changes = new Map<Change, { full?: string; omitted?: string }>();
  private findings = new Map<number, string>();
  private anchors: Map<Change, string> | undefined;
  readonly top: string;
  /** Who must approve (reviews:) and what was accepted on record (overrides). */
  readonly approvals: string;
  readonly blastRadius: BlastRadiusSection;
  readonly matrix: EnvironmentMatrix;
  readonly matrixTable: string;
  /** Changes made in several targets, listed once, each group by its first change. */
  readonly shared: MatrixGroup[];
  private readonly sharedGroups: Set<MatrixGroup>;
  readonly bottom: string;
  readonly repeated: string;
  /** The fields of each change told in a repeated change above. */
  private readonly clustered: Map<Change, Set<string>>;

  constructor(
    private readonly review: Review,
    private readonly options: MarkdownOptions,
  ) {
    const images = imagesSection(imageMoves(review.targets));
    this.top = [...header(review, options.marker ?? true), ...(images ? [images] : [])].join('\n');
    this.approvals = [...reviewsSection(options.reviews ?? review.reviews), ...overridesSection(review)].join('\n');
    this.blastRadius = blastRadiusSection(review);
    this.matrix = environmentMatrix(review.targets);
    this.matrixTable = matrixTable(this.matrix);
    this.bottom = footer(review, options.reportUrl).join('\n');
    const clusters = reviewClusters(review.targets, this.matrix);
    const told = clusters.slice(0, MAX_CLUSTERS);
    this.repeated = clustersSection(told, clusters.length);
    this.clustered = clusteredPaths(told);
    this.shared = this.matrix.groups.filter(isShared);
    this.sharedGroups = new Set(this.shared);
  }

  /** An update whose every field change is told in a repeated change, with nothing else to say: it has no entry. */
  onlyRepeated(change: Change): boolean {
    const paths = this.clustered.get(change);
    return !!paths && change.action === 'update' && !change.hook && !change.live?.differs && change.fields.every((f) => paths.has(f.path));
  }

  /** Whether a change is listed in its target's section (not once for several targets, nor only as repeated changes). */
  ownEntry(change: Change): boolean {
    return !this.onlyRepeated(change) && !this.inShared(change);
  }

  /** Whether a change is listed once for the several targets that make it. */
  inShared(change: Change): boolean {
    return this.sharedGroups.has(this.matrix.groupOf.get(change)!);
  }

  /** The changes with a diff block of their own in the comment: one per shared group, then the rest in review order. */
  get diffed(): Change[] {
    return [...this.shared.map((g) => g.members[0]!.change), ...this.review.targets.flatMap((t) => t.changes.filter((c) => this.ownEntry(c)))];
  }

  /** About how many characters a change's diff block adds: only the fields not told as repeated. */
  diffSize(change: Change): number {
    const paths = this.clustered.get(change);
    return estimateDiffSize(paths ? { ...change, fields: change.fields.filter((f) => !paths.has(f.path)) } : change);
  }

  /** The part of a change's diff its entry shows; '' when all of it is told as repeated changes. */
  private diffOf(change: Change): string {
    if (this.onlyRepeated(change)) return '';
    const paths = this.clustered.get(change);
    return paths && change.diffExcept ? change.diffExcept(paths) : change.diff;
  }

  change(change: Change, omitted: boolean): string {
    let entry = this.changes.get(change);
    if (!entry) this.changes.set(change, (entry = {}));
    const key = omitted ? 'omitted' : 'full';
    const group = this.ownEntry(change) ? undefined : this.matrix.groupOf.get(change);
    return (entry[key] ??= changeSection(change, omitted, omitted ? change.diff : this.diffOf(change), group, omitted ? this.reportLink(change) : undefined).join('\n'));
  }

  /**
   * A change's place in the full report page. A link that already has a fragment (GitHub's
   * run page, #artifacts) cannot carry the change's, and then only the page is linked.
   */
  private reportLink(change: Change): string | undefined {
    const url = this.options.reportUrl;
    if (!url || url.includes('#')) return undefined;
    this.anchors ??= changeAnchors(this.review.targets);
    return `${url}#${this.anchors.get(change)!}`;
  }

  findingsTable(maxRows: number): string {
    let text = this.findings.get(maxRows);
    if (text === undefined) this.findings.set(maxRows, (text = findingsTable(this.review, maxRows, this.options).join('\n')));
    return text;
  }
}

function targetCounts(target: TargetResult): string {
  if (target.status === 'error') return 'render failed';
  if (target.changes.length === 0) return 'no changes';
  const counts = new Map<string, number>();
  for (const c of target.changes) counts.set(c.action, (counts.get(c.action) ?? 0) + 1);
  return [...counts].map(([action, n]) => `${n} ${action}d`).join(', ');
}

function targetSummary(target: TargetResult): string {
  return `<summary><b>${escapeText(target.name)}</b> · ${target.renderer} · ${targetCounts(target)}</summary>`;
}

function targetSection(target: TargetResult, plan: BudgetPlan, listed: Change[], parts: Parts): string[] {
  const own = target.changes.filter((c) => parts.ownEntry(c));
  const lines = ['', '<details>', targetSummary(target)];
  if (target.path !== target.name) lines.push('', `Path: ${code(target.path)}`);
  const by = target.declaredBy;
  if (by) lines.push('', `Declared by ${by.kind} ${code(`${by.namespace ? `${by.namespace}/` : ''}${by.name}`)} in ${code(by.file)}`);
  if (target.syncOrder?.length) lines.push('', `Sync order: ${escapeText(syncOrderLine(target.syncOrder))}`);
  for (const note of target.notes ?? []) lines.push('', `_${escapeText(note)}_`);
  if (target.status === 'error') lines.push('', `**Render failed:** ${escapeText(target.error ?? 'unknown error')}`);
  if (target.live) lines.push(...liveSection(target.live));
  lines.push(...sharedLine(parts.matrix, target.changes.filter((c) => parts.inShared(c))));
  lines.push(...repeatedLine(target.changes.filter((c) => !parts.inShared(c) && parts.onlyRepeated(c))));
  for (const change of listed) lines.push(parts.change(change, plan.omittedDiffs.has(change)));
  const unlisted = own.length - listed.length;
  if (unlisted > 0) lines.push('', `_…and ${plural(unlisted, 'more change')} not listed: the comment is over the size limit._`);
  lines.push('', '</details>');
  return lines;
}

/** The line in a target's section that names its changes told only as repeated changes. */
function repeatedLine(changes: Change[]): string[] {
  if (!changes.length) return [];
  const names = changes.slice(0, MAX_QUIET_NAMES).map((c) => code(displayName(c)));
  const more = changes.length > MAX_QUIET_NAMES ? ` and ${changes.length - MAX_QUIET_NAMES} more` : '';
  return ['', `_${plural(changes.length, 'update')} made only of the repeated changes above: ${names.join(', ')}${more}._`];
}

/** One line naming the declarations the change touches that safe-deploy does not render, with why. */
function notRenderedLine(review: Review): string[] {
  const all = review.notRendered ?? [];
  if (!all.length) return [];
  const shown = all.slice(0, MAX_QUIET_NAMES).map((n) => `${code(n.name)} (${escapeText(n.reason)})`);
  const more = all.length > MAX_QUIET_NAMES ? ` and ${all.length - MAX_QUIET_NAMES} more` : '';
  return ['', `Not rendered: ${shown.join(', ')}${more}.`];
}

/** What diff.ignore hid, in one line: the review never hides silently. */
function ignoredLine(review: Review): string[] {
  const ignored = review.ignored ?? [];
  if (!ignored.length) return [];
  const sum = (key: 'fields' | 'objects' | 'unchanged') => ignored.reduce((n, t) => n + t[key], 0);
  const entries = ignored.map((t) => `[${t.entry}]`).join(', ');
  const unchanged = sum('unchanged') ? `; ${plural(sum('unchanged'), 'object')} had no other change and ${sum('unchanged') === 1 ? 'is' : 'are'} not listed` : '';
  return ['', `<sub>${plural(ignored.length, 'ignore rule')} (diff.ignore ${entries}) hid ${plural(sum('fields'), 'field change')} on ${plural(sum('objects'), 'object')}${unchanged}.</sub>`];
}

function footer(review: Review, reportUrl: string | undefined): string[] {
  const base = review.mergeBase === review.base ? code(review.base) : `${code(review.base)} (merge-base ${code(review.mergeBase)})`;
  const tools = review.tools.length ? ` · ${review.tools.map(escapeText).join(', ')}` : '';
  return [
    ...ignoredLine(review),
    '',
    '---',
    `<sub>${reportUrl ? `[Full report](${reportUrl}) · ` : ''}Reviewed base ${base} → head ${code(review.head)}${tools} · Commands: <code>/safe-deploy help</code>, <code>rerun</code>, <code>show Kind/name</code>, <code>explain rule</code>, <code>override rule -- reason</code></sub>`,
  ];
}

function render(review: Review, plan: BudgetPlan, parts: Parts, options: MarkdownOptions): string {
  const body: string[] = [];
  let budget = plan.maxChanges;
  let unlisted = 0;
  const quiet = review.targets.filter((t) => t.status === 'ok' && t.changes.length === 0);
  // Targets whose every change is listed once above, with nothing else to say: named, not given a section each.
  const covered = review.targets.filter((t) => t.status === 'ok' && t.changes.length > 0 && !t.live && !t.notes?.length && !t.syncOrder?.length && t.changes.every((c) => !parts.ownEntry(c)));
  const names = (targets: TargetResult[]) => `${targets.slice(0, MAX_QUIET_NAMES).map((t) => code(t.name)).join(', ')}${targets.length > MAX_QUIET_NAMES ? ` and ${targets.length - MAX_QUIET_NAMES} more` : ''}`;
  if (quiet.length) body.push('', `Rendered with no changes: ${names(quiet)}`);
  // Changes made in several targets come first, once each.
  const shared = parts.shared.slice(0, Math.max(0, budget)).map((g) => g.members[0]!.change);
  budget -= shared.length;
  unlisted += parts.shared.length - shared.length + shared.filter((c) => plan.omittedDiffs.has(c)).length;
  if (parts.shared.length) body.push('', `### Same in several targets`);
  for (const change of shared) body.push(parts.change(change, plan.omittedDiffs.has(change)));
  if (parts.shared.length > shared.length) body.push('', `_…and ${plural(parts.shared.length - shared.length, 'more change')} made in several targets not listed: the comment is over the size limit._`);
  if (covered.length) body.push('', `Every change of ${plural(covered.length, 'target')} is listed above: ${names(covered)}`);
  const shown = review.targets.filter((t) => !quiet.includes(t) && !covered.includes(t));
  shown.forEach((target, index) => {
    const own = target.changes.filter((c) => parts.ownEntry(c));
    const listed = index < plan.maxTargets ? own.slice(0, Math.max(0, budget)) : [];
    budget -= listed.length;
    unlisted += own.length - listed.length + listed.filter((c) => plan.omittedDiffs.has(c)).length;
    if (index < plan.maxTargets) body.push(...targetSection(target, plan, listed, parts));
  });
  const hiddenTargets = shown.length - Math.min(plan.maxTargets, shown.length);
  if (hiddenTargets > 0) body.push('', `_…and ${plural(hiddenTargets, 'more target')} not shown: the comment is over the size limit._`);
  const report = options.reportUrl ? ` Every diff is in the [full report](${options.reportUrl}).` : '';
  const note = unlisted
    ? ['', `> **Note:** ${plural(unlisted, 'resource diff')} left out to fit the comment size limit; the findings and counts above are complete.${report}`]
    : [];
  const blastRadius = parts.blastRadius[plan.blastRadius ? 'shown' : 'dropped'];
  const lines = [...[parts.top, parts.findingsTable(plan.maxFindings), parts.approvals, blastRadius, parts.matrixTable, parts.repeated].filter(Boolean), ...note, ...body, ...notRenderedLine(review), parts.bottom];
  return `${lines.join('\n')}\n`;
}

/** The comment, fitted to the platform limit. */
export function renderMarkdown(review: Review, options: MarkdownOptions = {}): string {
  const parts = new Parts(review, options);
  return fitToLimit(review, options.limit ?? COMMENT_LIMITS.github, {
    changes: parts.diffed,
    render: (plan) => render(review, plan, parts, options),
    diffSize: (change) => parts.diffSize(change),
  });
}
