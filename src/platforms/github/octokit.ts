// The Octokit the GitHub App uses: Probot's, with a pacing that follows GitHub's
// published secondary rate limits (at most 180 REST writes and 80
// content-creating requests a minute per installation) instead of the generic
// 1 s / 3 s spacing, and with rate limits retried (Probot only logs them).
import Bottleneck from 'bottleneck';
import { ProbotOctokit } from 'probot';

const MAX_RATE_LIMIT_RETRIES = 3;

// One set of limiters per process (per wait scale), keyed by installation inside each group. With a
// Bottleneck connection (Probot's, on REDIS_URL) they keep their state in Redis instead, so the
// pacing holds per installation across every replica rather than per process.
const pacing = new Map<string, { write: Bottleneck.Group; notifications: Bottleneck.Group }>();
function limiters(scale: number, connection: unknown) {
  const shared = connection !== undefined;
  if (shared) recoversAfterRestart(connection as Bottleneck.IORedisConnection);
  const key = `${scale}${shared ? '-shared' : ''}`;
  let groups = pacing.get(key);
  if (!groups) {
    const common = shared ? { connection: connection as Bottleneck.IORedisConnection } : {};
    groups = {
      write: new Bottleneck.Group({ id: `safe-deploy-write-${scale}`, maxConcurrent: 1, minTime: 350 * scale, ...common }),
      notifications: new Bottleneck.Group({ id: `safe-deploy-notifications-${scale}`, maxConcurrent: 1, minTime: 800 * scale, ...common }),
    };
    pacing.set(key, groups);
  }
  return groups;
}

type ScriptCallback = (error: Error | null, replies: unknown) => void;
interface ScriptConnection {
  __scriptArgs__(name: string, id: string, args: unknown[], callback: ScriptCallback): unknown[];
}
const RECOVERABLE = /^ERR (UNKNOWN_CLIENT|SETTINGS_KEY_NOT_FOUND)$/;
const adapted = new WeakSet<object>();

/**
 * Bottleneck re-registers a limiter that Redis no longer knows (after a Redis restart) when its
 * script answers UNKNOWN_CLIENT or SETTINGS_KEY_NOT_FOUND, but Redis 7 prefixes such script errors
 * with "ERR ", which Bottleneck does not recognize: every GitHub request of that replica would then
 * fail until it restarts. The prefix is taken off the answers of its scripts.
 */
export function recoversAfterRestart(connection: Bottleneck.IORedisConnection): void {
  if (adapted.has(connection)) return;
  adapted.add(connection);
  const scripts = connection as unknown as ScriptConnection;
  const scriptArgs = scripts.__scriptArgs__.bind(scripts);
  scripts.__scriptArgs__ = (name, id, args, callback) =>
    scriptArgs(name, id, args, (error, replies) => callback(error && RECOVERABLE.test(error.message) ? Object.assign(error, { message: error.message.slice(4) }) : error, replies));
}

interface ThrottledRequest {
  request: { retryCount: number };
}

type Options = Record<string, unknown> & { throttle?: Record<string, unknown> };

/** The limiter key of an installation's client, when the client acts for one. */
function installationKey(instance: Options): { id: string } | Record<string, never> {
  const installation = (instance.auth as { installationId?: unknown } | undefined)?.installationId;
  return typeof installation === 'number' || typeof installation === 'string' ? { id: String(installation) } : {};
}

/** A fetch that gives up after `ms`: a hung API must end the review, not leave its check in progress. */
function fetchWithTimeout(ms: number): typeof fetch {
  return (input, init) => fetch(input, { ...init, signal: init?.signal ? AbortSignal.any([init.signal, AbortSignal.timeout(ms)]) : AbortSignal.timeout(ms) });
}

export const DEFAULT_API_TIMEOUT_MS = 30_000;

/**
 * Probot's Octokit with our pacing and rate-limit policy; `retries: false` turns retries and pacing off (tests of single failures).
 * `waitScale` multiplies every wait (retry backoff, retry-after, pacing): 1 in production, 0 in tests that keep retries and pacing on without waiting.
 */
export function githubOctokit(options: { retries?: boolean; timeoutMs?: number; waitScale?: number } = {}): typeof ProbotOctokit {
  const retries = options.retries ?? true;
  const scale = options.waitScale ?? 1;
  const retryAfterBaseValue = 1000 * scale;
  const timeout = fetchWithTimeout(options.timeoutMs ?? DEFAULT_API_TIMEOUT_MS);
  return ProbotOctokit.defaults((instance: Options) => ({
    ...instance,
    request: { ...(instance.request as object | undefined), fetch: timeout },
    retry: retries ? { ...(instance.retry as object | undefined), retryAfterBaseValue } : { enabled: false },
    throttle: retries
      ? {
          ...instance.throttle,
          // Probot keys the limiters of a webhook's client by nothing (one pace for every installation): GitHub paces each installation's token.
          ...installationKey(instance),
          ...limiters(scale, instance.throttle?.connection),
          retryAfterBaseValue,
          onRateLimit: (_after: number, request: ThrottledRequest) => request.request.retryCount < MAX_RATE_LIMIT_RETRIES,
          onSecondaryRateLimit: (_after: number, request: ThrottledRequest) => request.request.retryCount < MAX_RATE_LIMIT_RETRIES,
        }
      : { enabled: false },
  })) as typeof ProbotOctokit;
}
