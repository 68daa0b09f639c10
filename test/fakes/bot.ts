// The bot as the server wires it (real scheduler, reviews in process), with a
// log and metrics a test can read, and events made for a FakeSession.
import { createBot, type BotDeps } from '../../src/bot/bot.js';
import type { CommandEvent, ReviewEvent } from '../../src/bot/events.js';
import { ReviewScheduler } from '../../src/bot/scheduler.js';
import { OverrideRecords } from '../../src/commands/override-record.js';
import { Metrics } from '../../src/server/metrics.js';
import type { Log } from '../../src/util/log.js';
import type { FakeSession } from './session.js';

export const RECORD_KEY = 'k'.repeat(32);

export interface Line {
  level: 'info' | 'warn' | 'error';
  object: Record<string, unknown>;
  message: string | undefined;
}

export function recordingLog(): Log & { lines: Line[] } {
  const lines: Line[] = [];
  const at = (level: Line['level']) => (object: object, message?: string) => void lines.push({ level, object: object as Record<string, unknown>, message });
  return { lines, info: at('info'), warn: at('warn'), error: at('error') };
}

export function botWith(concurrency = 1, extra: Partial<BotDeps> = {}) {
  const log = recordingLog();
  const metrics = new Metrics();
  const deps: BotDeps = { scheduler: new ReviewScheduler(concurrency), metrics, log, records: new OverrideRecords(RECORD_KEY), ...extra };
  /** The lines of one metric in the Prometheus text. */
  const metric = async (name: string) => (await metrics.registry.metrics()).split('\n').filter((l) => l.startsWith(`${name}{`));
  return { bot: createBot(deps), log, metrics, metric };
}

let deliveries = 0;

/** A push (or re-run) of the session's merge request. */
export const reviewEvent = (session: FakeSession, delivery = `push-${++deliveries}`, key?: string): ReviewEvent => ({
  kind: 'review',
  platform: session.platform,
  delivery,
  ...(key ? { key } : {}),
  open: async () => [{ session }],
});

/** A comment of `author` in the session's thread. */
export const commandEvent = (session: FakeSession, body: string, author = 'dev', delivery = `comment-${++deliveries}`): CommandEvent => ({
  kind: 'command',
  platform: session.platform,
  delivery,
  actor: { username: author },
  comment: { id: 555, body },
  open: async () => ({ session }),
});
