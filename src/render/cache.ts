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

/** How many objects all cached renders may hold together. */
const MAX_CACHED_OBJECTS = 100_000;

const renders = new Map<string, { objects: number; rendered: Promise<Rendered> }>();
let cachedObjects = 0;

/** The identity of a binary: a different file at the same path is a different renderer. */
export function binaryIdentity(command: string): string {
  const stats = statSync(command);
  return `${command}|${stats.size}|${stats.mtimeMs}`;
}

export async function renderKey(snapshot: Snapshot, target: Target, limits: Limits, tool: string): Promise<string> {
  const inputs = [...(await targetInputs(snapshot, target)).files].sort().map((file) => `${file}:${snapshot.files.get(file)?.oid ?? '-'}`);
  return createHash('sha256').update(JSON.stringify([tool, target, limits, inputs])).digest('hex');
}

export function isCached(key: string): boolean {
  return renders.has(key);
}

/** The cached render for `key`, or `render()` remembered under it once it succeeds. */
export function cachedRender(key: string, render: () => Promise<Rendered>): Promise<Rendered> {
  const hit = renders.get(key);
  if (hit) {
    // Most recently used last: a Map iterates in insertion order.
    renders.delete(key);
    renders.set(key, hit);
    return hit.rendered;
  }
  const entry = { objects: 0, rendered: render() };
  renders.set(key, entry);
  entry.rendered.then(
    ({ resources }) => {
      if (renders.get(key) !== entry) return;
      entry.objects = resources.length;
      cachedObjects += resources.length;
      for (const [oldKey, old] of renders) {
        if (cachedObjects <= MAX_CACHED_OBJECTS) break;
        renders.delete(oldKey);
        cachedObjects -= old.objects;
      }
    },
    () => {
      // Failures are not remembered: a timeout or a missing tool may not happen again.
      if (renders.get(key) === entry) renders.delete(key);
    },
  );
  return entry.rendered;
}
