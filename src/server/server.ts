// One HTTP server for everything (DESIGN §1 edges): the GitHub App webhooks
// through Probot, the GitLab webhooks, GET /healthz and GET /metrics. Each platform is enabled when
// its settings are present; with none, Probot's app-registration flow starts.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { availableParallelism } from 'node:os';
import { createNodeMiddleware, createProbot, run, type ProbotOctokit } from 'probot';
import { pino, type Logger } from 'pino';
import { OverrideRecords } from '../commands/override-record.js';
import { UserError } from '../errors.js';
import { createBot } from '../bot/bot.js';
import { operatorLiveSpec } from '../live/access.js';
import { ReviewScheduler } from '../bot/scheduler.js';
import { apiSettings, githubAppOctokit, gitlabClient } from '../platforms/api.js';
import { githubApp } from '../platforms/github/app.js';
import { gitlabWebhookHandler } from '../platforms/gitlab/webhook.js';
import { threadReviewer, type Reviewer } from '../reviewer/index.js';
import { MirrorCache } from '../repo/mirror.js';
import { readCappedBody } from './body.js';
import { Metrics } from './metrics.js';

export const GITHUB_WEBHOOK_PATH = '/api/github/webhooks';

export interface ServerOptions {
  env?: NodeJS.ProcessEnv;
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
  scheduler: ReviewScheduler;
  /** Runs each review in a worker thread: the HTTP thread only waits on I/O. */
  reviewer: Reviewer;
  metrics: Metrics;
  platforms: string[];
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

/** The server, not yet listening. */
export async function createSafeDeployServer(options: ServerOptions = {}): Promise<SafeDeployServer> {
  const env = options.env ?? process.env;
  const metrics = new Metrics();
  const concurrency = options.concurrency ?? Math.max(1, availableParallelism());
  const scheduler = new ReviewScheduler(concurrency);
  const reviewer = threadReviewer(concurrency, cacheBytes(env));
  metrics.observeCaches(() => reviewer.cacheStats());
  const mirrors = new MirrorCache(options.cacheDir);
  const handlers: Handler[] = [];
  const log = options.log ?? pino({ level: env.LOG_LEVEL || 'info', name: 'safe-deploy' });
  const api = apiSettings(env);
  const platforms: string[] = [];
  const live = operatorLiveSpec(env) ?? undefined;

  handlers.push((req, res) => {
    if (req.method !== 'GET' || req.url?.split('?')[0] !== '/healthz') return false;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'ok', platforms }));
    return true;
  });
  handlers.push(async (req, res) => {
    if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics') return false;
    res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(await metrics.registry.metrics());
    return true;
  });

  if (githubConfigured(env)) {
    const probot = createProbot({ env, overrides: { Octokit: options.Octokit ?? githubAppOctokit(api), ...(options.log ? { log: options.log.child({ name: 'github' }) } : {}) } });
    const records = new OverrideRecords(recordSecret(env, env.WEBHOOK_SECRET, 'WEBHOOK_SECRET'));
    const bot = createBot({ scheduler, mirrors, metrics, reviewer, records, ...(live ? { live } : {}), log: log.child({ name: 'github' }) });
    const middleware = await createNodeMiddleware(githubApp({ appId: Number(env.APP_ID), bot, metrics }), { probot, webhooksPath: GITHUB_WEBHOOK_PATH });
    // @octokit/webhooks verifies a string `request.body` when there is one instead of reading the stream again.
    handlers.push(async (req, res, body) => Boolean(await middleware(Object.assign(req, { body: body.toString('utf8') }), res, () => undefined)));
    platforms.push('github');
  }

  if (gitlabConfigured(env)) {
    const gitlabLog = log.child({ name: 'gitlab' });
    const records = new OverrideRecords(recordSecret(env, env.GITLAB_WEBHOOK_SECRET, 'GITLAB_WEBHOOK_SECRET'));
    handlers.push(
      gitlabWebhookHandler({
        api: gitlabClient(api, { host: env.GITLAB_URL || 'https://gitlab.com', token: env.GITLAB_TOKEN! }),
        secret: env.GITLAB_WEBHOOK_SECRET!,
        token: env.GITLAB_TOKEN!,
        bot: createBot({ scheduler, mirrors, metrics, reviewer, records, ...(live ? { live } : {}), log: gitlabLog }),
        metrics,
        log: gitlabLog,
      }),
    );
    platforms.push('gitlab');
  }

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
  return { http, scheduler, reviewer, metrics, platforms };
}

/** `safe-deploy serve`: listen on PORT (default 3000), or start the GitHub App registration flow when nothing is configured. */
export async function serve(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const server = await createSafeDeployServer({ env });
  if (server.platforms.length === 0) {
    // No platform configured: Probot walks the user through registering a GitHub App.
    await run(() => undefined, { env });
    return;
  }
  const port = Number(env.PORT) || 3000;
  await new Promise<void>((resolve) => server.http.listen(port, env.HOST, resolve));
  console.log(`safe-deploy listening on :${port} (${server.platforms.join(', ')})`);
  const stop = () => server.http.close(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
