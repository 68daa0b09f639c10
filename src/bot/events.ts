// The neutral events platform adapters translate webhooks and CI jobs into.
// Anything that calls the platform API happens in `open()`, which the bot runs
// in its queue, never on the webhook's HTTP path.
import type { Log } from '../util/log.js';
import type { Actor, CommentId, MergeRequestSession, Platform } from './session.js';

/** A merge request, ready to be reviewed or commanded. */
export interface Opened {
  session: MergeRequestSession;
  /** The merge request could not be read; `session` can still report it (a status on the known head, or a reply in the thread). */
  failure?: unknown;
}

interface EventBase {
  platform: Platform;
  /** The webhook delivery (or CI job) id: processed once, and the reference in logs and failure messages. */
  delivery: string;
  /** Where the event's lines are logged (default: the bot's log). */
  log?: Log;
}

export interface ReviewEvent extends EventBase {
  kind: 'review';
  /** The merge request's key when the event names it: a newer push then supersedes this one even while it waits. */
  key?: string;
  /** Someone with write access asked for it (GitHub lets only them re-run a check): a fork's head is reviewed whatever `forks` says. */
  maintainerAsked?: true;
  /** The merge requests to review: several when a re-run commit heads several. */
  open(): Promise<Opened[]>;
}

export interface CommandEvent extends EventBase {
  kind: 'command';
  actor: Actor;
  comment: { id: CommentId; body: string };
  /** Null when the comment is not for us to answer (our own). */
  open(): Promise<Opened | null>;
}

export type MergeRequestEvent = ReviewEvent | CommandEvent;
