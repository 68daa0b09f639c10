// Renders remembered by what they depend on: the renderer binary's content, the
// target's definition, the limits and the content (blob ids) of every input
// file. One key serves two layers: memory (a server reviewing push after push
// re-renders only what changed; the same inputs at base and head of different
// reviews share one render) and, when the review has one, a cache on disk that
// outlives the process (the next CI run, another worker on the same volume, the
// server after a restart).
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { deserialize, serialize } from 'node:v8';
import { constants, gunzip, gzip } from 'node:zlib';
import { UserError } from '../errors.js';
import type { Rendered } from './rendered.js';
import type { Snapshot } from '../repo/snapshot.js';
import { targetInputs } from './inputs.js';
import type { Target } from '../core/target.js';
import type { Limits } from './sandbox.js';
import { OBJECT_BYTES } from '../util/cache.js';

const renders = (snapshot: Snapshot) => snapshot.caches.region<Rendered>('renders', (rendered) => rendered.resources.length * OBJECT_BYTES);

const { version } = createRequire(import.meta.url)('../../package.json') as { version: string };
/** Bumped when what a render holds, or how renderer output is read into it, changes: renders stored before then miss. */
const RENDER_FORMAT = 1;

export async function renderKey(snapshot: Snapshot, target: Target, limits: Limits, tool: string): Promise<string> {
  const inputs = [...(await targetInputs(snapshot, target)).files].sort().map((file) => `${file}:${snapshot.files.get(file)?.oid ?? '-'}`);
  return createHash('sha256').update(JSON.stringify([`safe-deploy ${version} render ${RENDER_FORMAT}`, tool, target, limits, inputs])).digest('hex');
}

/** Whether the render of `key` is at hand: in memory, or read from disk into memory. */
export async function recalled(snapshot: Snapshot, key: string): Promise<boolean> {
  if (renders(snapshot).has(key)) return true;
  const rendered = await readStored(snapshot, key);
  if (!rendered) return false;
  void renders(snapshot).remember(key, async () => rendered);
  return true;
}

/** The cached render for `key`, or `render()` remembered under it once it succeeds. */
export function cachedRender(snapshot: Snapshot, key: string, render: () => Promise<Rendered>): Promise<Rendered> {
  return renders(snapshot).remember(key, async () => (await readStored(snapshot, key)) ?? store(snapshot, key, await render()));
}

/** `render()` remembered under `key`, for a key the caller found in no cache (see `recalled`). */
export function freshRender(snapshot: Snapshot, key: string, render: () => Promise<Rendered>): Promise<Rendered> {
  return renders(snapshot).remember(key, async () => store(snapshot, key, await render()));
}

/** Beyond this a stored render does not decompress: MAX_OBJECTS typical objects. */
const MAX_STORED_BYTES = 256 * 2 ** 20;
const zip = promisify(gzip);
const unzip = promisify(gunzip);

/**
 * A render is stored as V8's serialization (what worker threads exchange, so
 * every value a parse can give comes back the same), gzipped.
 */
function store(snapshot: Snapshot, key: string, rendered: Rendered): Rendered {
  const disk = snapshot.stored;
  // Serialized now (an async function turns a throw into a failed write), compressed off the thread.
  if (disk?.enabled) disk.put(key, (async () => zip(serialize(rendered), { level: constants.Z_BEST_SPEED }))());
  return rendered;
}

async function readStored(snapshot: Snapshot, key: string): Promise<Rendered | null> {
  const disk = snapshot.stored;
  const payload = await disk?.get(key);
  if (!disk || !payload) return null;
  try {
    const value = deserialize(await unzip(payload, { maxOutputLength: MAX_STORED_BYTES })) as Partial<Rendered> | null;
    if (Array.isArray(value?.resources) && Array.isArray(value.notes)) return value as Rendered;
  } catch {
    // Not a render this version wrote: removed below.
  }
  await disk.remove(key);
  return null;
}

/** Where the render cache lives and how large it may grow; absent, renders are remembered in memory only. */
export interface RenderCacheSpec {
  dir: string;
  maxBytes: number;
}

export const DEFAULT_RENDER_CACHE_MB = 512;

/**
 * The render cache the environment asks for: `dir` (a command-line flag), else
 * SAFE_DEPLOY_RENDER_CACHE, else `fallback` (the server's cache directory);
 * SAFE_DEPLOY_RENDER_CACHE_MB bounds it, 0 turns it off.
 */
export function renderCacheSpec(env: NodeJS.ProcessEnv, dir?: string, fallback?: string): RenderCacheSpec | undefined {
  const where = dir || env.SAFE_DEPLOY_RENDER_CACHE || (fallback ? join(fallback, 'renders') : undefined);
  const mb = env.SAFE_DEPLOY_RENDER_CACHE_MB ? Number(env.SAFE_DEPLOY_RENDER_CACHE_MB) : DEFAULT_RENDER_CACHE_MB;
  if (!Number.isFinite(mb) || mb < 0) throw new UserError(`SAFE_DEPLOY_RENDER_CACHE_MB=${env.SAFE_DEPLOY_RENDER_CACHE_MB} is not a number of megabytes (0 turns the render cache off)`);
  return where && mb > 0 ? { dir: where, maxBytes: Math.round(mb * 2 ** 20) } : undefined;
}
