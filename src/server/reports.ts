// The server's full reports: each review's report page is kept under a random id
// (in the cache directory, or in Redis in durable mode so that any web replica can
// serve what any worker wrote) and served at /reports/<id> behind an HMAC-signed,
// expiring link that the comment carries. Nothing lists reports; an id alone, a
// wrong or expired signature, and an unknown id all get the same plain answers.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdir, readdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { Redis } from 'ioredis';
import { UserError } from '../errors.js';
import { KEY_PREFIX } from './durable/scheduler.js';

export const REPORTS_PATH = '/reports/';
const ID = /^[0-9a-f]{32}$/;
const SIG = /^[0-9a-f]{64}$/;
const EXPIRES = /^[1-9][0-9]{0,11}$/;
const DAY = 24 * 3600;
/**
 * Sent with every page, on top of the page's own policy (both apply): the page runs in
 * a sandbox of its own origin, never this server's, and no other site may frame it.
 * Inline code is allowed here because the page's meta policy admits only its own by hash.
 */
const PAGE_POLICY = [`default-src 'none'`, `script-src 'unsafe-inline'`, `style-src 'unsafe-inline'`, `img-src data:`, `base-uri 'none'`, `form-action 'none'`, `frame-ancestors 'none'`, `sandbox allow-scripts`].join('; ');

/** Where report pages are kept, each for `seconds`. */
export interface ReportBackend {
  put(id: string, html: string, seconds: number): Promise<void>;
  get(id: string): Promise<string | null>;
}

/** Files in a private directory; pages older than their lifetime are deleted as new ones are written. */
export function fileReports(dir: string): ReportBackend {
  const file = (id: string) => join(dir, `${id}.html`);
  return {
    async put(id, html, seconds) {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      const temp = `${file(id)}.${process.pid}.tmp`;
      await writeFile(temp, html, { mode: 0o600 });
      await rename(temp, file(id));
      const cutoff = Date.now() - seconds * 1000;
      for (const name of await readdir(dir)) {
        const path = join(dir, name);
        if (((await stat(path).catch(() => null))?.mtimeMs ?? Infinity) < cutoff) await unlink(path).catch(() => undefined);
      }
    },
    get: (id) => readFile(file(id), 'utf8').catch(() => null),
  };
}

/** Redis, compressed, expiring with the link: shared by every replica in durable mode. */
export function redisReports(redis: Redis): ReportBackend {
  const key = (id: string) => `${KEY_PREFIX}report:${id}`;
  return {
    async put(id, html, seconds) {
      await redis.set(key(id), gzipSync(html), 'EX', seconds);
    },
    async get(id) {
      const data = await redis.getBuffer(key(id));
      return data ? gunzipSync(data).toString('utf8') : null;
    },
  };
}

export interface ReportLinks {
  /** The server's public address, e.g. https://safe-deploy.example.com. */
  publicUrl: string;
  secret: string;
  /** How long a link (and its page) lives. */
  days: number;
}

function signature(secret: string, id: string, expires: number): Buffer {
  return createHmac('sha256', secret).update(`${id}.${expires}`).digest();
}

export class ReportStore {
  constructor(
    private readonly backend: ReportBackend,
    private readonly links: ReportLinks,
    private readonly now: () => number = () => Date.now(),
  ) {}

  /** Keeps a report page and returns its signed link. */
  async publish(html: string): Promise<string> {
    const id = randomBytes(16).toString('hex');
    const seconds = this.links.days * DAY;
    await this.backend.put(id, html, seconds);
    const expires = Math.floor(this.now() / 1000) + seconds;
    const sig = signature(this.links.secret, id, expires).toString('hex');
    return `${this.links.publicUrl.replace(/\/+$/, '')}${REPORTS_PATH}${id}?expires=${expires}&sig=${sig}`;
  }

  /** GET /reports/<id>?expires=…&sig=…; false for any other request. */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const url = new URL(req.url ?? '/', 'http://report');
    if (!url.pathname.startsWith(REPORTS_PATH)) return false;
    const notFound = () => res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    if (req.method !== 'GET') return Boolean(notFound());
    const id = url.pathname.slice(REPORTS_PATH.length);
    const expires = url.searchParams.get('expires') ?? '';
    const sig = url.searchParams.get('sig') ?? '';
    // Only the exact form publish() writes is checked: no second spelling of a signed link.
    if (!ID.test(id) || !EXPIRES.test(expires) || !SIG.test(sig)) return Boolean(notFound());
    if (!timingSafeEqual(Buffer.from(sig, 'hex'), signature(this.links.secret, id, Number(expires)))) return Boolean(notFound());
    if (Number(expires) * 1000 < this.now()) return Boolean(res.writeHead(410, { 'content-type': 'text/plain' }).end('this report link has expired; ask for a new review with /safe-deploy rerun\n'));
    const html = await this.backend.get(id).catch(() => null);
    if (html === null) return Boolean(notFound());
    res
      .writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'content-security-policy': PAGE_POLICY,
        'x-content-type-options': 'nosniff',
        'referrer-policy': 'no-referrer',
        'cache-control': 'private, no-store',
        'x-frame-options': 'DENY',
      })
      .end(html);
    return true;
  }
}

/** The report store the environment asks for: SAFE_DEPLOY_PUBLIC_URL is needed (links point there); none without it. */
export function reportStore(env: NodeJS.ProcessEnv, options: { cacheDir: string; redis: Redis | null; webhookSecret: string | undefined }): ReportStore | null {
  const publicUrl = env.SAFE_DEPLOY_PUBLIC_URL;
  if (!publicUrl) return null;
  if (!/^https?:\/\/[^/]/.test(publicUrl)) throw new UserError(`SAFE_DEPLOY_PUBLIC_URL must be an http(s) URL, not '${publicUrl}'`);
  const base = env.SAFE_DEPLOY_REPORT_SECRET || options.webhookSecret;
  if (!base) throw new UserError('SAFE_DEPLOY_PUBLIC_URL needs SAFE_DEPLOY_REPORT_SECRET (or a webhook secret) to sign report links');
  // A secret of its own for links: a link never reveals anything about the webhook secret it may derive from.
  const secret = createHmac('sha256', base).update('safe-deploy report links').digest('hex');
  const days = Number(env.SAFE_DEPLOY_REPORT_DAYS || 30);
  if (!Number.isFinite(days) || days <= 0) throw new UserError(`SAFE_DEPLOY_REPORT_DAYS must be a positive number of days, not '${env.SAFE_DEPLOY_REPORT_DAYS}'`);
  const backend = options.redis ? redisReports(options.redis) : fileReports(join(options.cacheDir, 'reports'));
  return new ReportStore(backend, { publicUrl, secret, days });
}
