// safe-deploy as it runs in production, one process per replica (`serve --role web|worker|all`)
// with its GitHub App pointed at a fake GitHub on loopback; and GitHub's side of a webhook
// delivery: signed, sent again (same delivery id) when answered 503 or not at all.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { privateKey, sign, WEBHOOK_SECRET } from './github.js';
import { freePort } from './redis.js';

const BIN = fileURLToPath(new URL('../../bin/safe-deploy.js', import.meta.url));
/** The App id the processes run as; comments the fake attributes to it are the bot's own. */
export const APP_ID = 1;

export type Role = 'web' | 'worker' | 'all';

export interface ServeProcess {
  role: Role;
  url: string;
  pid: number;
  /** What it printed, for failure messages. */
  output(): string;
  /** GET /healthz's JSON body, whatever the status. */
  health(): Promise<Record<string, unknown>>;
  /** Sends `signal` (default SIGTERM, SIGKILL after 10 s) and waits for the exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export interface ServeOptions {
  /** host:port of the fake GitHub (served over http). */
  githubHost: string;
  /** Durable mode; without it, the in-memory server. */
  redisUrl?: string;
  env?: NodeJS.ProcessEnv;
}

/** Starts `safe-deploy serve --role <role>` (the built dist/); resolves once /healthz answers. */
export async function startServe(role: Role, options: ServeOptions): Promise<ServeProcess> {
  const port = await freePort();
  const cacheDir = mkdtempSync(join(tmpdir(), `safe-deploy-${role}-`));
  const { REDIS_URL: _inherited, ...inherited } = process.env;
  const env: NodeJS.ProcessEnv = {
    ...inherited,
    APP_ID: String(APP_ID),
    PRIVATE_KEY: privateKey,
    WEBHOOK_SECRET,
    GHE_HOST: options.githubHost,
    GHE_PROTOCOL: 'http',
    PORT: String(port),
    SAFE_DEPLOY_CACHE_DIR: cacheDir,
    LOG_LEVEL: 'fatal',
    ...(options.redisUrl ? { REDIS_URL: options.redisUrl } : {}),
    ...options.env,
  };
  const child = spawn(process.execPath, [BIN, 'serve', '--role', role], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => rmSync(cacheDir, { recursive: true, force: true }));
  const url = `http://127.0.0.1:${port}`;
  const describe = () => `serve --role ${role} (pid ${child.pid}): ${output.trim().split('\n').slice(-5).join(' | ') || 'no output'}`;

  const health = async () => (await (await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(5_000) })).json()) as Record<string, unknown>;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`exited before serving: ${describe()}`);
    try {
      await health();
      break;
    } catch {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`no /healthz within 30 s: ${describe()}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  return {
    role,
    url,
    pid: child.pid!,
    output: describe,
    health,
    async kill(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      const forced = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(forced);
    },
  };
}

export interface Delivery {
  delivery: string;
  /** The last answer's status (0: none within GitHub's 10 s). */
  status: number;
  /** Each attempt's status, in order. */
  attempts: number[];
}

/** Delivers a signed webhook to a web replica as GitHub does, resent with the same delivery id while answered 503 or not at all (up to `withinMs`). */
export async function deliver(url: string, event: string, payload: object, options: { delivery?: string; withinMs?: number } = {}): Promise<Delivery> {
  const delivery = options.delivery ?? randomUUID();
  const body = JSON.stringify(payload);
  const deadline = Date.now() + (options.withinMs ?? 60_000);
  const attempts: number[] = [];
  for (;;) {
    let status = 0;
    try {
      const response = await fetch(`${url}/api/github/webhooks`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-github-event': event, 'x-github-delivery': delivery, 'x-hub-signature-256': sign(body) },
        body,
        signal: AbortSignal.timeout(10_000),
      });
      status = response.status;
      await response.arrayBuffer();
    } catch {
      // refused or timed out: GitHub counts it failed and it is sent again
    }
    attempts.push(status);
    if ((status !== 0 && status !== 503) || Date.now() > deadline) return { delivery, status, attempts };
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}
