// The one event pipeline: every platform's events, from a webhook or a CI job,
// are deduplicated, queued, superseded, reviewed, commanded and reported here.
import { handleComment } from '../commands/handle.js';
import { escapeText } from '../report/markdown-text.js';
import type { Log } from '../util/log.js';
import { commandContext } from './commands.js';
import type { CommandEvent, MergeRequestEvent, Opened, ReviewEvent } from './events.js';
import { failureMessage, reportEarlyFailure } from './failure.js';
import type { ReviewOutcome } from './metrics.js';
import { runReviewJob, type JobDeps } from './review-job.js';
import { soleTicket, type Scheduler, type Ticket } from './scheduler.js';

export interface BotDeps extends JobDeps {
  scheduler: Scheduler;
}

export interface Bot {
  /** Queues an event; a delivery seen before is dropped. */
  dispatch(event: MergeRequestEvent): 'queued' | 'duplicate';
  /** Records a delivery that makes no event, so that its redelivery reads as seen: true when it was seen before. */
  seen(delivery: string): boolean;
  /** Reviews now, as the only review of its merge requests (CI mode: one job, one review). */
  run(event: ReviewEvent): Promise<ReviewOutcome[]>;
  /** Resolves when nothing is queued or running. */
  idle(): Promise<void>;
}

export function createBot(deps: BotDeps): Bot {
  const { scheduler, metrics } = deps;
  const logOf = (event: MergeRequestEvent): Log => event.log ?? deps.log;

  /** The review job of an opened merge request; without a ticket, as its newest review. `maintainerAsked`: a writer's rerun. */
  async function review(opened: Opened, ticket: Ticket | null, log: Log, reference: string, maintainerAsked = false): Promise<ReviewOutcome> {
    if (opened.failure !== undefined) {
      await reportEarlyFailure(opened.session, opened.failure, { metrics, log }, reference);
      return 'error';
    }
    const current = ticket ?? scheduler.begin(opened.session.key);
    try {
      if (!(await current.isCurrent())) {
        // A newer push arrived while this one waited for a slot: it will report.
        log.info({ mergeRequest: opened.session.key, reference }, 'review superseded before it started');
        return 'superseded';
      }
      return await runReviewJob(opened.session, current, { ...deps, log }, reference, maintainerAsked);
    } finally {
      if (!ticket) current.end();
    }
  }

  async function command(event: CommandEvent): Promise<void> {
    const log = logOf(event);
    const opened = await event.open();
    if (!opened) return;
    const { session } = opened;
    if (opened.failure !== undefined) {
      // No head is known, so no status can say it: the answer goes to the thread.
      log.error({ err: opened.failure, delivery: event.delivery }, 'cannot read the pull request of a command');
      const reason = escapeText(failureMessage(opened.failure, event.platform, event.delivery));
      await session
        .createComment(`safe-deploy could not read this pull request to run the command: ${reason}`)
        .catch((error: unknown) => log.error({ err: error, delivery: event.delivery }, 'cannot reply'));
      return;
    }
    // Only `/safe-deploy rerun` (write access) and an override call it, and an override needs a review of the head first.
    const rerun = () => review(opened, null, log, event.delivery, true);
    await scheduler.serially(session.key, () => handleComment(event.comment.body, commandContext(session, { id: event.comment.id, author: event.actor }, { ...deps, log }, rerun)));
  }

  /** Runs one event; nothing escapes it silently. */
  async function handle(event: MergeRequestEvent, ticket: Ticket | null): Promise<void> {
    try {
      if (event.kind === 'command') await command(event);
      else for (const opened of await event.open()) await review(opened, ticket, logOf(event), event.delivery, event.maintainerAsked === true);
    } catch (error) {
      logOf(event).error({ err: error, delivery: event.delivery, event: event.kind }, 'event failed');
      if (event.kind === 'review') metrics.reviewed(event.platform, 'error', 0);
    } finally {
      ticket?.end();
    }
  }

  return {
    dispatch(event) {
      if (!scheduler.firstDelivery(event.delivery)) return 'duplicate';
      // Begun now, not when a slot frees: a newer push supersedes this one while it waits.
      const ticket = event.kind === 'review' && event.key ? scheduler.begin(event.key) : null;
      scheduler.submit(() => handle(event, ticket));
      return 'queued';
    },
    seen: (delivery) => !scheduler.firstDelivery(delivery),
    async run(event) {
      const outcomes: ReviewOutcome[] = [];
      for (const opened of await event.open()) outcomes.push(await review(opened, soleTicket(), logOf(event), event.delivery));
      return outcomes;
    },
    idle: () => scheduler.idle(),
  };
}
