// Renders remembered by what they depend on: the renderer binary, the target's
// definition, the limits and the content (blob ids) of every input file. A
// server reviewing push after push re-renders only what changed; the same
// inputs at base and head of different reviews share one render.
import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import type { Rendered } from './rendered.js';
import type { Snapshot } from '../repo/snapshot.js';
import { targetInputs } from './inputs.js';
import type { Target } from '../core/target.js';
import type { Limits } from './sandbox.js';
import { OBJECT_BYTES } from '../util/cache.js';

const renders = (snapshot: Snapshot) => snapshot.caches.region<Rendered>('renders', (rendered) => rendered.resources.length * OBJECT_BYTES);

/** The identity of a binary: a different file at the same path is a different renderer. */
export function binaryIdentity(command: string): string {
  const stats = statSync(command);
  return `${command}|${stats.size}|${stats.mtimeMs}`;
}

export async function renderKey(snapshot: Snapshot, target: Target, limits: Limits, tool: string): Promise<string> {
  const inputs = [...(await targetInputs(snapshot, target)).files].sort().map((file) => `${file}:${snapshot.files.get(file)?.oid ?? '-'}`);
  return createHash('sha256').update(JSON.stringify([tool, target, limits, inputs])).digest('hex');
}

export function isCached(snapshot: Snapshot, key: string): boolean {
  return renders(snapshot).has(key);
}

/** The cached render for `key`, or `render()` remembered under it once it succeeds. */
export function cachedRender(snapshot: Snapshot, key: string, render: () => Promise<Rendered>): Promise<Rendered> {
  return renders(snapshot).remember(key, render);
}
