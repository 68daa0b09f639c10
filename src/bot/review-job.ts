// One review of one merge request push, for any platform and for CI mode:
// status running → fetch (or the local checkout) → review → comment → final status. Whatever fails, the status ends
// completed with a clear message; a superseded review writes nothing.
import type { OverrideRecords } from '../commands/override-record.js';
import { RenderError, UserError } from '../errors.js';
import { reviewComment } from '../report/markdown.js';
import { annotations, FAILED_TITLE, noChangesComment, noKubernetesChanges, NO_CHANGES_TITLE, statusTitle, type StatusReport } from '../report/status.js';
import type { MirrorCache } from '../repo/mirror.js';
import type { BotMetrics, ReviewOutcome } from './metrics.js';
import type { Log } from '../util/log.js';
import { inProcessReviewer, type Reviewer, type ReviewResult } from '../reviewer/index.js';
import type { Ticket } from './scheduler.js';
import type { CodeSource, MergeRequestSession, RemoteCode } from './session.js';

export interface JobDeps {
  /** Needed for remote code only. */
  mirrors?: MirrorCache;
  metrics: BotMetrics;
  log: Log;
  /** Reads the overrides recorded in the thread. */
  records: OverrideRecords;
  /** Where reviews run (default: on this thread). */
  reviewer?: Reviewer;
  /** Sees the review once it exists (CI mode prints it). */
  onReview?: (result: ReviewResult) => void | Promise<void>;
}

/** The HTTP status of a failed API call (Octokit and gitbeaker errors), if it was one. */
function apiStatus(error: unknown): number | undefined {
  const e = error as { status?: unknown; cause?: { response?: { status?: unknown } } };
  const status = typeof e?.status === 'number' ? e.status : e?.cause?.response?.status;
  return typeof status === 'number' ? status : undefined;
}

/** What the status says when the review could not run: a user's mistake names itself; ours gets an id for the logs. */
export function failureMessage(error: unknown, platform: string, reference: string): string {
  if (error instanceof UserError || error instanceof RenderError) return error.message;
  const message = (error as Error).message ?? String(error);
  if (message.startsWith('cannot fetch') || message.startsWith('cannot prepare') || message.startsWith('commit ')) return message;
  const status = apiStatus(error);
  const what = status ? `the ${platform} API answered ${status} (${message.split('\n')[0]!.slice(0, 120)})` : 'safe-deploy hit an internal error';
  return `${what}; reference ${reference} in the logs. Push again or ask for /safe-deploy rerun.`;
}

/** A newer push took over: this review reports nothing but its own cancellation. */
class Superseded extends Error {}

function fetchCode(mirrors: MirrorCache, source: RemoteCode): Promise<string> {
  return mirrors.fetch({
    url: source.cloneUrl,
    ...(source.auth ? { auth: source.auth } : {}),
    refs: [source.baseRef, source.headRef],
    shas: [source.baseSha, source.headSha],
  });
}

/** Logs why a review could not run and completes its status as failed with the reason; a failure to report is logged too. */
async function reportFailure(session: MergeRequestSession, error: unknown, log: Log, reference: string): Promise<void> {
  log.error({ err: error, reference, mergeRequest: session.key }, 'review failed');
  try {
    await session.setStatus({ state: 'failure', title: FAILED_TITLE, summary: failureMessage(error, session.platform, reference) });
  } catch (statusError) {
    log.error({ err: statusError, reference }, 'could not report the failure');
  }
}

/**
 * A failure before a review could even be scheduled (the pull request could not
 * be read): reported, logged and counted like a review that failed.
 */
export async function reportEarlyFailure(session: MergeRequestSession, error: unknown, deps: Pick<JobDeps, 'metrics' | 'log'>, reference: string): Promise<void> {
  await reportFailure(session, error, deps.log, reference);
  deps.metrics.reviewed(session.platform, 'error', 0);
}

/** The branch the merge request targets: the remote's base ref, or what the CI job says. */
function targetBranch(code: CodeSource): { baseBranch?: string } {
  const branch = 'baseRef' in code ? /^refs\/heads\/(.+)$/.exec(code.baseRef)?.[1] : code.baseBranch;
  return branch ? { baseBranch: branch } : {};
}

/**
 * Reviews one push. `source` may be a function: reading the merge request or a
 * token for its code can fail too, and then the status says so like any failure.
 */
export async function reviewMergeRequest(
  session: MergeRequestSession,
  source: CodeSource | (() => Promise<CodeSource>),
  ticket: Ticket,
  deps: JobDeps,
  reference: string,
): Promise<ReviewOutcome> {
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
    const code = typeof source === 'function' ? await source() : source;
    head = code.headSha;
    await session.setStatus({ state: 'running', title: 'Predicting the cluster diff…' });
    const repo = 'repo' in code ? code.repo : await fetchCode(deps.mirrors!, code);
    if (!ticket.isCurrent()) throw new Superseded();
    const comments = await session.listComments();
    const result = (held = await (deps.reviewer ?? inProcessReviewer).review({ repo, base: code.baseSha, head: code.headSha, repoURLs: code.repoURLs, ...targetBranch(code) }, deps.records.active(comments, code.headSha, session.key, log)));
    const review = result.review;
    deps.metrics.renderFailed(review.targets.filter((t) => t.status === 'error').length);
    await deps.onReview?.(result);
    const wrote = await ticket.writeIfCurrent(async () => {
      const existing = reviewComment(await session.listComments());
      if (noKubernetesChanges(review)) {
        outcome = 'no-changes';
        const body = noChangesComment(code.headSha);
        if (existing && existing.body !== body) await session.updateComment(existing.id, body);
        await finish({ state: 'success', title: NO_CHANGES_TITLE, summary: `No target renders differently at \`${code.headSha}\`.` });
        return;
      }
      const link = (file: string, line?: number) => session.sourceLink(file, line);
      const body = await result.markdown({ limit: session.commentLimit, sourceLink: link });
      if (!existing) await session.createComment(body);
      else if (existing.body !== body) await session.updateComment(existing.id, body);
      outcome = review.verdict;
      await finish({
        state: review.verdict === 'pass' ? 'success' : 'failure',
        title: statusTitle(review),
        ...(session.statusLimit ? { summary: await result.markdown({ limit: session.statusLimit, sourceLink: link }) } : {}),
        annotations: annotations(review),
      });
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
