// What the merge request's status (GitHub check run or commit status, GitLab
// commit status) says about a review: its title, annotations and one-line form.
import type { Review, TargetResult } from '../core/model.js';
import { plural } from '../core/plural.js';
import { countsForVerdict, sortFindings } from '../core/policy/verdict.js';
import { COMMENT_MARKER, commentPreamble } from './markdown.js';

/** `action-required`: nothing was reviewed yet and someone must act (a fork's head awaits a maintainer); it blocks like a failure. */
export type StatusState = 'running' | 'success' | 'failure' | 'cancelled' | 'action-required';

export interface Annotation {
  file: string;
  line: number;
  level: 'failure' | 'warning' | 'notice';
  title: string;
  message: string;
}

export interface StatusReport {
  state: StatusState;
  /** One line, e.g. "2 errors, 3 warnings". */
  title: string;
  /** Markdown, within the platform's status limit. */
  summary?: string;
  annotations?: Annotation[];
}

/** The parts of a review a status reads (a full review or the digest of one made on another thread). */
export type StatusInput = Pick<Review, 'findings' | 'summary' | 'blockOn' | 'overrides'> & {
  targets: Array<Pick<TargetResult, 'status'> & { changes: readonly unknown[] }>;
};

export const NO_CHANGES_TITLE = 'No Kubernetes changes';
export const FAILED_TITLE = 'safe-deploy could not review this change';

const LEVEL: Record<string, Annotation['level']> = { error: 'failure', warning: 'warning', notice: 'notice' };

/** "2 errors, 3 warnings" of the findings that count for the verdict — or the counts of changes when nothing is found. */
export function statusTitle(review: StatusInput): string {
  const open = review.findings.filter((f) => !f.overridden && countsForVerdict(f, review.blockOn));
  const counts = (['error', 'warning', 'notice'] as const).map((s) => [s, open.filter((f) => f.severity === s).length] as const).filter(([, n]) => n);
  const failed = review.targets.filter((t) => t.status === 'error').length;
  const parts = counts.map(([s, n]) => plural(n, s));
  if (failed && !counts.length) parts.push(`${plural(failed, 'target')} failed to render`);
  const overridden = review.findings.filter((f) => f.overridden).length;
  if (overridden) {
    const by = [...new Set((review.overrides ?? []).map((o) => o.by))].join(', ');
    parts.push(`${overridden} overridden by ${by}`);
  }
  if (parts.length) return parts.join(', ');
  const { created, updated, replaced, deleted } = review.summary;
  return `${plural(created + updated + replaced + deleted, 'change')}, no findings`;
}

export function annotations(review: StatusInput): Annotation[] {
  return sortFindings(review.findings)
    // Findings already present at base are not the change's doing: no annotation on its diff.
    .filter((f) => f.file && f.line && !f.overridden && f.introduced)
    .map((f) => ({ file: f.file!, line: f.line!, level: LEVEL[f.severity]!, title: f.rule, message: f.message }));
}

export function noKubernetesChanges(review: StatusInput): boolean {
  return review.findings.length === 0 && review.targets.every((t) => t.status === 'ok' && t.changes.length === 0);
}

/** The comment that replaces the review when the push changes no Kubernetes object. */
export function noChangesComment(head: string): string {
  return `${commentPreamble(head)}\n## ✅ safe-deploy: ${NO_CHANGES_TITLE}\n\nThe latest push (\`${head}\`) changes no Kubernetes object.\n`;
}

export const AWAITING_RERUN_TITLE = 'Fork pull request: waiting for a maintainer';

/** Why a fork's head was not reviewed, and what lets it be. */
export function awaitingRerunSummary(head: string): string {
  return `This merge request comes from a fork, and this repository's \`.safe-deploy.yml\` (\`forks: on-rerun\`) reviews a fork's head only when a maintainer asks. Head \`${head}\` has not been fetched or rendered. Someone with write access can review it with \`/safe-deploy rerun\`; every new push waits again.`;
}

/** The review comment while a fork's head waits: it names no reviewed head, so nothing (an override) can take it for a review. */
export function awaitingRerunComment(head: string): string {
  return `${COMMENT_MARKER}\n## ⏸️ safe-deploy: ${AWAITING_RERUN_TITLE}\n\n${awaitingRerunSummary(head)}\n`;
}

/** One line for platforms whose status has only a short description: the title, and the message when there is one. */
export function statusLine(report: StatusReport, maxChars: number): string {
  const text = report.summary ? `${report.title}: ${report.summary}` : report.title;
  const flat = text.replace(/\s+/g, ' ');
  return flat.length > maxChars ? `${flat.slice(0, maxChars - 1)}…` : flat;
}
