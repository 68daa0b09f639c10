// How the bot says that something could not run: the message a status or reply
// carries, the log line, the metric, and the counting of failed API calls.
import { RenderError, UserError } from '../errors.js';
import { FAILED_TITLE } from '../report/status.js';
import type { Log } from '../util/log.js';
import type { BotMetrics } from './metrics.js';
import type { MergeRequestSession, Platform } from './session.js';

/** The HTTP status of a failed API call (Octokit and gitbeaker errors), if it was one. */
export function apiStatus(error: unknown): number | undefined {
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

/** Counts a failed platform API call, then lets it fail. */
export async function counted<T>(metrics: BotMetrics, platform: Platform, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    metrics.apiFailed(platform);
    throw error;
  }
}

/** Logs why a review could not run and completes its status as failed with the reason; a failure to report is logged too. */
export async function reportFailure(session: MergeRequestSession, error: unknown, log: Log, reference: string): Promise<void> {
  log.error({ err: error, reference, mergeRequest: session.key }, 'review failed');
  try {
    await session.setStatus({ state: 'failure', title: FAILED_TITLE, summary: failureMessage(error, session.platform, reference) });
  } catch (statusError) {
    log.error({ err: statusError, reference }, 'could not report the failure');
  }
}

/** A merge request that could not even be read: reported, logged and counted like a review that failed. */
export async function reportEarlyFailure(session: MergeRequestSession, error: unknown, deps: { metrics: BotMetrics; log: Log }, reference: string): Promise<void> {
  await reportFailure(session, error, deps.log, reference);
  deps.metrics.reviewed(session.platform, 'error', 0);
}
