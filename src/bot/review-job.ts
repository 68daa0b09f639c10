// One review of one merge request push, for any platform and for CI mode:
// status running → fetch (or the local checkout) → review → comment → final status. Whatever fails, the status ends
// completed with a clear message; a superseded review writes nothing.
import type { OverrideRecords } from '../commands/override-record.js';
import { CONFIG_FILE, defaultConfig, parseConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { reviewComment, reviewedHead } from '../report/markdown.js';
import { annotations, AWAITING_RERUN_TITLE, awaitingRerunComment, awaitingRerunSummary, noChangesComment, noKubernetesChanges, NO_CHANGES_TITLE, statusTitle, type StatusReport } from '../report/status.js';
import type { MirrorCache } from '../repo/mirror.js';
import type { LiveAccessSpec } from '../live/access.js';
import type { RenderCacheSpec } from '../render/cache.js';
import type { ReviewRequest } from '../review.js';
import { inProcessReviewer, type Reviewer, type ReviewResult } from '../reviewer/index.js';
import type { Log } from '../util/log.js';
import { approvalState, approvalsReport, APPROVALS_CHECK } from './approvals.js';
import { reportFailure } from './failure.js';
import type { BotMetrics, ReviewOutcome } from './metrics.js';
import type { Ticket } from './scheduler.js';
import type { CodeSource, MergeRequestSession } from './session.js';

export interface JobDeps {
  /** Needed for remote code only. */
  mirrors?: MirrorCache;
  metrics: BotMetrics;
  log: Log;
  /** Reads the overrides recorded in the thread. */
  records: OverrideRecords;
  /** Where reviews run (default: on this thread). */
  reviewer?: Reviewer;
  /** Live mode: the clusters the operator lets reviews ask; absent, none. */
  live?: LiveAccessSpec;
  /** Where renders are kept between reviews and processes; absent, in memory only. */
  renderCache?: RenderCacheSpec;
  /** Keeps each review's full report page and gives the link the comment carries (the server's store, CI mode's artifact). */
  reports?: ReportPublisher;
  /** Sees the review once it exists (CI mode prints it). */
  onReview?: (result: ReviewResult) => void | Promise<void>;
}

export interface ReportPublisher {
  /** Keeps the page; the link to it. */
  publish(html: string): Promise<string>;
}

/** A newer push took over: this review reports nothing but its own cancellation. */
class Superseded extends Error {}

/** The base branch's config, read through the platform at the base commit (never from the head): what commands and the fork gate obey. */
export async function baseConfigOf(session: MergeRequestSession, baseSha: string): Promise<Config> {
  const text = await session.readFile(CONFIG_FILE, baseSha);
  return text === null ? defaultConfig() : parseConfig(text, CONFIG_FILE);
}

/**
 * Whether a fork's head must wait for a maintainer before anything of it is fetched or rendered. A config that
 * cannot be read or parsed fails the job, so a fork is never reviewed by mistake.
 */
export async function awaitsMaintainer(session: MergeRequestSession, baseSha: string): Promise<boolean> {
  return session.fromFork && (await baseConfigOf(session, baseSha)).forks === 'on-rerun';
}

/** Whether the merge request's comment reviews `headSha`: that head was let through once, by a maintainer or by `forks`. */
export async function headReviewed(session: MergeRequestSession, headSha: string): Promise<boolean> {
  return reviewedHead(reviewComment(await session.listComments())?.body ?? '') === headSha;
}

/** The directory holding the code: the CI checkout, or the remote fetched into the mirror cache. */
export async function codeDir(code: CodeSource, mirrors: MirrorCache | undefined): Promise<string> {
  if ('repo' in code) return code.repo;
  if (!mirrors) throw new Error('remote code needs a mirror cache');
  return mirrors.fetch({ url: code.cloneUrl, ...(code.auth ? { auth: code.auth } : {}), refs: [code.baseRef, code.headRef], shas: [code.baseSha, code.headSha] });
}

/** The review of a merge request's code in `repo`: the posted review and every command's review ask the same. */
export function reviewRequestOf(code: CodeSource, repo: string, { live, renderCache }: Pick<JobDeps, 'live' | 'renderCache'>, targets?: string[]): ReviewRequest {
  // The branch the merge request targets: the remote's base ref, or what the CI job says.
  const baseBranch = 'baseRef' in code ? /^refs\/heads\/(.+)$/.exec(code.baseRef)?.[1] : code.baseBranch;
  return {
    repo,
    base: code.baseSha,
    head: code.headSha,
    repoURLs: code.repoURLs,
    ...(baseBranch ? { baseBranch } : {}),
    ...(targets ? { targets } : {}),
    ...(live ? { live: { access: live } } : {}),
    ...(renderCache ? { renderCache } : {}),
  };
}

/**
 * Reviews one push. Reading the merge request's code can fail too, and then the status says so like any failure.
 * `maintainerAsked`: someone with write access asked for this review (a rerun), so a fork's head is reviewed whatever `forks` says.
 */
export async function runReviewJob(session: MergeRequestSession, ticket: Ticket, deps: JobDeps, reference: string, maintainerAsked = false): Promise<ReviewOutcome> {
  const started = performance.now();
  const log = deps.log;
  let outcome: ReviewOutcome = 'error';
  let completed = false;
  let head: string | undefined;
  // Held where it was made until the comment and status are written.
  let held: ReviewResult | undefined;
  const finish = async (report: StatusReport) => {
    await session.setStatus(report);
    completed = true;
  };
  try {
    // Resolved before the first status: a platform may learn the head it reports on from it.
    const code = await session.code();
    head = code.headSha;
    // A review event on a head already reviewed (approvals asked again) renders what was rendered before.
    if (!maintainerAsked && (await awaitsMaintainer(session, code.baseSha)) && !(await headReviewed(session, code.headSha))) {
      // Nothing of the fork is fetched or rendered: the head waits for a maintainer.
      const wrote = await ticket.writeIfCurrent(async () => {
        const existing = reviewComment(await session.listComments());
        const body = awaitingRerunComment(code.headSha);
        if (!existing) await session.createComment(body);
        else if (existing.body !== body) await session.updateComment(existing.id, body);
        await finish({ state: 'action-required', title: AWAITING_RERUN_TITLE, summary: awaitingRerunSummary(code.headSha) });
        outcome = 'awaiting-rerun';
      });
      if (!wrote) throw new Superseded();
      return done();
    }
    await session.setStatus({ state: 'running', title: 'Predicting the cluster diff…' });
    const repo = await codeDir(code, deps.mirrors);
    if (!(await ticket.isCurrent())) throw new Superseded();
    const comments = await session.listComments();
    const result = (held = await (deps.reviewer ?? inProcessReviewer).review(reviewRequestOf(code, repo, deps), deps.records.active(comments, code.headSha, session.key, log)));
    const review = result.review;
    deps.metrics.renderFailed(review.targets.filter((t) => t.status === 'error').length);
    await deps.onReview?.(result);
    // A report that cannot be kept costs the comment its link, never the review.
    const reportUrl = deps.reports && !noKubernetesChanges(review) ? await deps.reports.publish(await result.html()).catch((error: unknown) => void log.warn({ err: error, reference }, 'could not keep the full report')) : undefined;
    const linked = reportUrl ? { reportUrl } : {};
    // Who approved this head, for the comment and the approvals check; a failed look-up fails that check, never the review.
    const routed = review.reviews ? await approvalState(session, review.reviews, code.headSha).then(
      (reviews) => ({ reviews }),
      (error: unknown) => {
        log.warn({ err: error, reference, mergeRequest: session.key }, 'could not read the approvals');
        return { failed: error };
      },
    ) : undefined;
    const approvals = routed && 'reviews' in routed ? { reviews: routed.reviews } : {};
    const reportApprovals = async () => {
      if (!routed) return;
      const report: StatusReport = 'reviews' in routed ? approvalsReport(routed.reviews) : { state: 'failure', title: 'Could not read the approvals', summary: `${(routed.failed as Error).message ?? 'error'}; reference ${reference}. Push again or ask for /safe-deploy rerun.` };
      await session.setNamedStatus(APPROVALS_CHECK, report);
    };
    const wrote = await ticket.writeIfCurrent(async () => {
      const existing = reviewComment(await session.listComments());
      if (noKubernetesChanges(review)) {
        outcome = 'no-changes';
        const body = noChangesComment(code.headSha);
        if (existing && existing.body !== body) await session.updateComment(existing.id, body);
        await finish({ state: 'success', title: NO_CHANGES_TITLE, summary: `No target renders differently at \`${code.headSha}\`.` });
        await reportApprovals();
        return;
      }
      const link = (file: string, line?: number) => session.sourceLink(file, line);
      const body = await result.markdown({ limit: session.commentLimit, sourceLink: link, ...linked, ...approvals });
      if (!existing) await session.createComment(body);
      else if (existing.body !== body) await session.updateComment(existing.id, body);
      outcome = review.verdict;
      await finish({
        state: review.verdict === 'pass' ? 'success' : 'failure',
        title: statusTitle(review),
        ...(session.statusLimit ? { summary: await result.markdown({ limit: session.statusLimit, sourceLink: link, ...linked, ...approvals }) } : {}),
        annotations: annotations(review),
      });
      await reportApprovals();
    });
    if (!wrote) throw new Superseded();
  } catch (error) {
    if (error instanceof Superseded) {
      outcome = 'superseded';
      await finish({ state: 'cancelled', title: 'Superseded by a newer push' }).catch((statusError: unknown) => log.error({ err: statusError, reference }, 'could not report'));
      return done();
    }
    if (completed) log.error({ err: error, reference, mergeRequest: session.key }, 'review failed');
    else await reportFailure(session, error, log, reference);
  } finally {
    held?.close();
  }
  return done();

  function done(): ReviewOutcome {
    const seconds = (performance.now() - started) / 1000;
    deps.metrics.reviewed(session.platform, outcome, seconds);
    log.info({ mergeRequest: session.key, head, outcome, seconds }, 'review done');
    return outcome;
  }
}
