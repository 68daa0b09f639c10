// One HTTP server for everything (DESIGN §1 edges): the GitHub App webhooks
// through Probot, the GitLab webhooks, GET /healthz and GET /metrics. Each platform is enabled when
// its settings are present; with none, Probot's app-registration flow starts.
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { availableParallelism } from 'node:os';
import { Redis } from 'ioredis';
import { createNodeMiddleware, createProbot, run, type ApplicationFunction, type ProbotOctokit } from 'probot';
import { pino, type Logger } from 'pino';
import { OverrideRecords } from '../commands/override-record.js';
import { UserError } from '../errors.js';
import { createBot } from '../bot/bot.js';
import { asResumed } from '../bot/resumed.js';
import { operatorLiveSpec } from '../live/access.js';
import { ReviewScheduler, type Scheduler } from '../bot/scheduler.js';
import { apiSettings, githubAppOctokit, gitlabClient } from '../platforms/api.js';
import { GITHUB_EVENTS, githubApp, githubReviewKey } from '../platforms/github/app.js';
import { GITLAB_EVENTS, gitlabDispatcher, gitlabReviewKey, gitlabWebhookHandler, type GitLabWebhookOptions } from '../platforms/gitlab/webhook.js';
import { threadReviewer, type Reviewer } from '../reviewer/index.js';
import { defaultCacheDir, MirrorCache } from '../repo/mirror.js';
import { renderCacheSpec } from '../render/cache.js';
import { readCappedBody } from './body.js';
import { DeliveryQueue, deliveryWorker, sweep, type RecordedDelivery } from './durable/queue.js';
import { RedisScheduler } from './durable/scheduler.js';
import { reportStore } from './reports.js';
import { Metrics } from './metrics.js';

export const GITHUB_WEBHOOK_PATH = '/api/github/webhooks';

/** all: takes webhooks and reviews; web: takes webhooks into the queue; worker: reviews what the queue holds (both need REDIS_URL). */
export type ServerRole = 'web' | 'worker' | 'all';

export interface ServerOptions {
  env?: NodeJS.ProcessEnv;
  role?: ServerRole;
  /** Octokit class for the GitHub App (tests turn retries off). */
  Octokit?: typeof ProbotOctokit;
  cacheDir?: string;
  /** Reviews at once (default: the cores). */
  concurrency?: number;
  /** Where everything is logged (default: stdout at LOG_LEVEL); tests capture it. */
  log?: Logger;
}

/** Larger request bodies, on any route, are refused as they stream in: GitHub caps payloads at 25 MB, real ones are far smaller. */
export const MAX_WEBHOOK_BYTES = 10 * 1024 * 1024;

/** Default memory budget of the review caches, shared by the review threads. */
export const DEFAULT_SERVER_CACHE_MB = 512;

export interface SafeDeployServer {
  http: Server;
  scheduler: Scheduler;
  /** Runs each review in a worker thread: the HTTP thread only waits on I/O. */
  reviewer: Reviewer;
  metrics: Metrics;
  platforms: string[];
  /** Durable mode: closes the queue, its worker and Redis (the HTTP server is the caller's). */
  stop(): Promise<void>;
}

/** Answers a request (true) or passes (false); `body` has been read whole, within MAX_WEBHOOK_BYTES. */
type Handler = (req: IncomingMessage, res: ServerResponse, body: Buffer) => Promise<boolean> | boolean;

/** The secret override records are signed with: SAFE_DEPLOY_RECORD_KEY, else the platform's webhook secret (which must be set). */
function recordSecret(env: NodeJS.ProcessEnv, webhookSecret: string | undefined, name: string): string {
  // Without it Probot would verify signatures against a well-known default.
  if (!webhookSecret) throw new UserError(`${name} is not set: webhooks must be signed with a secret of your own`);
  const key = env.SAFE_DEPLOY_RECORD_KEY;
  if (key !== undefined && key.length < 32) throw new UserError('SAFE_DEPLOY_RECORD_KEY must be at least 32 characters (e.g. `openssl rand -hex 32`)');
  return key || webhookSecret;
}

/** The review caches' memory budget, all threads together: SAFE_DEPLOY_CACHE_MB. */
function cacheBytes(env: NodeJS.ProcessEnv): number {
  const value = env.SAFE_DEPLOY_CACHE_MB;
  if (value === undefined || value === '') return DEFAULT_SERVER_CACHE_MB * 2 ** 20;
  const mb = Number(value);
  if (!Number.isFinite(mb) || mb < 0) throw new UserError(`SAFE_DEPLOY_CACHE_MB must be a number of megabytes, not ${JSON.stringify(value)}`);
  return mb * 2 ** 20;
}

export function githubConfigured(env: NodeJS.ProcessEnv): boolean {
  return Boolean(env.APP_ID && (env.PRIVATE_KEY || env.PRIVATE_KEY_PATH));
}

export function gitlabConfigured(env: NodeJS.ProcessEnv): boolean {
  return Boolean(env.GITLAB_TOKEN && env.GITLAB_WEBHOOK_SECRET);
}

/** Redis for durable mode: commands wait while it reconnects instead of failing at once. */
async function connectRedis(url: string, log: Logger): Promise<Redis> {
  const redis = new Redis(url, { maxRetriesPerRequest: null, enableOfflineQueue: true });
  redis.on('error', (error: Error) => log.warn({ err: error.message }, 'Redis'));
  // A server that starts while Redis is down still starts (its webhooks answer 503 until Redis is back).
  await Promise.race([once(redis, 'ready'), new Promise((resolve) => setTimeout(resolve, 5000).unref())]);
  return redis;
}

/** The server, not yet listening. */
export async function createSafeDeployServer(options: ServerOptions = {}): Promise<SafeDeployServer> {
  const env = options.env ?? process.env;
  const role = options.role ?? 'all';
  const log = options.log ?? pino({ level: env.LOG_LEVEL || 'info', name: 'safe-deploy' });
  if (role !== 'all' && !env.REDIS_URL) throw new UserError(`serve --role ${role} needs REDIS_URL: web and worker replicas share their queue in Redis`);
  const redis = env.REDIS_URL ? await connectRedis(env.REDIS_URL, log) : null;
  const metrics = new Metrics();
  const concurrency = options.concurrency ?? Math.max(1, availableParallelism());
  const scheduler = redis ? new RedisScheduler(redis) : new ReviewScheduler(concurrency);
  const queue = redis ? new DeliveryQueue(redis) : null;
  // This process takes webhooks (web, all) and runs reviews (worker, all).
  const takes = role !== 'worker';
  const reviews = role !== 'web';
  const reviewer = threadReviewer(reviews ? concurrency : 1, cacheBytes(env));
  metrics.observeCaches(() => reviewer.cacheStats());
  const mirrors = new MirrorCache(options.cacheDir);
  // Renders live next to the mirrors: what one worker or an earlier process rendered, the next review reads.
  const renderCache = renderCacheSpec(env, undefined, options.cacheDir ?? defaultCacheDir());
  const reports = reportStore(env, { cacheDir: options.cacheDir ?? defaultCacheDir(), redis, webhookSecret: env.WEBHOOK_SECRET || env.GITLAB_WEBHOOK_SECRET });
  const handlers: Handler[] = [];
  const api = apiSettings(env);
  const platforms: string[] = [];
  const live = operatorLiveSpec(env) ?? undefined;
  /** What a worker does with each recorded delivery, by platform. */
  const handle: Partial<Record<RecordedDelivery['platform'], (d: RecordedDelivery) => Promise<unknown>>> = {};

  handlers.push((req, res) => {
    if (req.method !== 'GET' || req.url?.split('?')[0] !== '/healthz') return false;
    const body = { status: 'ok', platforms, role, ...(redis ? { redis: redis.status === 'ready' ? 'ok' : 'unreachable' } : {}) };
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    return true;
  });
  handlers.push(async (req, res) => {
    if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics') return false;
    res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(await metrics.registry.metrics());
    return true;
  });
  if (reports) handlers.push((req, res) => reports.handle(req, res));
  if (queue && takes) {
    // Without Redis a delivery cannot be kept: refused, so that it is redelivered.
    handlers.push((req, res) => {
      if (req.method !== 'POST' || redis!.status === 'ready') return false;
      res.writeHead(503, { 'content-type': 'text/plain' }).end('cannot take the delivery now (Redis unreachable); redeliver it\n');
      return true;
    });
  }

  if (githubConfigured(env)) {
    const probotOf = () => createProbot({ env, overrides: { Octokit: options.Octokit ?? githubAppOctokit(api), ...(options.log ? { log: options.log.child({ name: 'github' }) } : {}) } });
    const records = new OverrideRecords(recordSecret(env, env.WEBHOOK_SECRET, 'WEBHOOK_SECRET'));
    const app = reviews ? githubApp({ appId: Number(env.APP_ID), bot: createBot({ scheduler, mirrors, metrics, reviewer, records, ...(live ? { live } : {}), ...(renderCache ? { renderCache } : {}), ...(reports ? { reports } : {}), log: log.child({ name: 'github' }) }), metrics }) : null;
    if (takes) {
      const taker = queue ? recordGitHub(queue) : app!;
      const middleware = await createNodeMiddleware(taker, { probot: probotOf(), webhooksPath: GITHUB_WEBHOOK_PATH });
      // @octokit/webhooks verifies a string `request.body` when there is one instead of reading the stream again.
      handlers.push(async (req, res, body) => Boolean(await middleware(Object.assign(req, { body: body.toString('utf8') }), res, () => undefined)));
    }
    if (queue && app) {
      const probot = probotOf();
      await probot.load(app);
      handle.github = (d) => probot.receive({ id: d.delivery, name: d.event, payload: d.payload } as Parameters<typeof probot.receive>[0]);
    }
    platforms.push('github');
  }

  if (gitlabConfigured(env)) {
    const gitlabLog = log.child({ name: 'gitlab' });
    const records = new OverrideRecords(recordSecret(env, env.GITLAB_WEBHOOK_SECRET, 'GITLAB_WEBHOOK_SECRET'));
    const dispatch = reviews
      ? gitlabDispatcher({
          api: gitlabClient(api, { host: env.GITLAB_URL || 'https://gitlab.com', token: env.GITLAB_TOKEN! }),
          secret: env.GITLAB_WEBHOOK_SECRET!,
          token: env.GITLAB_TOKEN!,
          bot: createBot({ scheduler, mirrors, metrics, reviewer, records, ...(live ? { live } : {}), ...(renderCache ? { renderCache } : {}), ...(reports ? { reports } : {}), log: gitlabLog }),
          metrics,
          log: gitlabLog,
        })
      : null;
    if (takes) {
      const deliver: GitLabWebhookOptions['deliver'] = queue
        ? (event, payload, delivery) => (GITLAB_EVENTS.includes(event) ? queue.record({ platform: 'gitlab', delivery, event, payload }, gitlabReviewKey(event, payload)) : 'ignored')
        : dispatch!;
      handlers.push(gitlabWebhookHandler({ secret: env.GITLAB_WEBHOOK_SECRET!, log: gitlabLog, deliver }));
    }
    if (queue && dispatch) handle.gitlab = async (d) => dispatch(d.event, d.payload, d.delivery);
    platforms.push('gitlab');
  }

  const worker =
    queue && reviews && scheduler instanceof RedisScheduler
      ? deliveryWorker(redis!, concurrency, (delivery, resumed) => scheduler.run(() => (resumed ? asResumed : asIs)(async () => handle[delivery.platform]?.(delivery)), delivery.supersedes), {
          taken: (wait, attempt) => {
            metrics.queue.latency.observe(wait);
            metrics.queue.active.inc();
            if (attempt > 1) metrics.queue.retries.inc();
          },
          done: () => metrics.queue.active.dec(),
          stalled: () => metrics.queue.stalled.inc(),
        })
      : null;
  if (queue) metrics.observeQueue(() => queue.queue.getJobCounts('waiting', 'active', 'delayed', 'failed', 'completed'));
  // On start and every minute, deliveries whose job vanished mid-review are queued again.
  const sweeping = worker
    ? (() => {
        const once = () => void sweep(queue!, redis!, (message, delivery) => log.warn({ delivery }, message)).catch((error: Error) => log.warn({ err: error.message }, 'sweep'));
        once();
        return setInterval(once, 60_000).unref();
      })()
    : null;
  worker?.on('error', (error) => log.warn({ err: error.message }, 'queue worker'));

  const http = createServer((req, res) => {
    void (async () => {
      try {
        const body = await readCappedBody(req, res, MAX_WEBHOOK_BYTES);
        if (body === null) return;
        for (const handler of handlers) if (await handler(req, res, body)) return;
        if (!res.headersSent) res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      } catch {
        if (!res.headersSent) res.writeHead(500).end();
      }
    })();
  });
  const stop = async () => {
    if (sweeping) clearInterval(sweeping);
    await worker?.close();
    await queue?.close();
    redis?.disconnect();
  };
  return { http, scheduler, reviewer, metrics, platforms, stop };
}

/** Runs `work` as it is (not as a resumption). */
const asIs = <T>(work: () => Promise<T>) => work();

/** Durable mode's GitHub App on web replicas: each verified delivery of an event the bot reads is recorded in the queue. */
function recordGitHub(queue: DeliveryQueue): ApplicationFunction {
  return (app) => {
    app.onAny(async (context) => {
      if (GITHUB_EVENTS.has(context.name)) await queue.record({ platform: 'github', delivery: context.id, event: context.name, payload: context.payload }, githubReviewKey(context.name, context.payload));
    });
  };
}

/** `safe-deploy serve`: listen on PORT (default 3000), or start the GitHub App registration flow when nothing is configured. */
export async function serve(env: NodeJS.ProcessEnv = process.env, role: ServerRole = 'all'): Promise<void> {
  const server = await createSafeDeployServer({ env, role });
  if (server.platforms.length === 0) {
    // No platform configured: Probot walks the user through registering a GitHub App.
    await run(() => undefined, { env });
    return;
  }
  const port = Number(env.PORT) || 3000;
  await new Promise<void>((resolve) => server.http.listen(port, env.HOST, resolve));
  console.log(`safe-deploy listening on :${port} (${server.platforms.join(', ')})`);
  const stop = () => server.http.close(() => void server.stop().finally(() => process.exit(0)));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
