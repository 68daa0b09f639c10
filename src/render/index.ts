import { displayName, resourceKey, type Resource } from '../core/resource.js';
import { RenderError } from '../errors.js';
import type { Snapshot } from '../repo/snapshot.js';
import type { Target } from '../core/target.js';
import { renderHelm } from './helm.js';
import { renderFluxKustomization } from './flux.js';
import { unknownValues } from './flux-post-build.js';
import { renderKustomize, renderKustomizeBatch } from './kustomize.js';
import { availableParallelism } from 'node:os';
import { limiter } from '../util/limiter.js';
import { cachedRender, freshRender, recalled, renderKey } from './cache.js';
import { renderPlain } from './plain.js';
import type { Rendered } from './rendered.js';
import { findTool } from './tools.js';
import type { Limits } from './sandbox.js';

const complete = async (resources: Promise<Resource[]>): Promise<Rendered> => ({ resources: await resources, notes: [] });

async function render(snapshot: Snapshot, target: Target, limits: Limits): Promise<Rendered> {
  switch (target.renderer) {
    case 'plain':
      return complete(renderPlain(snapshot, target));
    case 'kustomize':
      return target.flux ? renderFluxKustomization(snapshot, target, limits) : complete(renderKustomize(snapshot, target, limits));
    case 'helm':
      return { resources: await renderHelm(snapshot, target, limits), notes: await unknownValues(snapshot, target) };
  }
}

function where(r: Resource): string {
  return r.source ? `${r.source.file}${r.source.line ? `:${r.source.line}` : ''}` : 'the render';
}

/**
 * Renders a target at one revision; a RenderError when it cannot. An object
 * defined twice is an error too: which definition wins would depend on the tool
 * that applies it, so no prediction can be exact.
 */
export async function renderTarget(snapshot: Snapshot, target: Target, limits: Limits): Promise<Rendered> {
  const { resources, notes } =
    target.renderer === 'plain'
      ? await render(snapshot, target, limits)
      : await cachedRender(snapshot, await renderKey(snapshot, target, limits, await (await findTool(target.renderer)).identity), () => render(snapshot, target, limits));
  if (resources.length > MAX_OBJECTS) {
    throw new RenderError(`the target renders ${resources.length} objects, over the limit of ${MAX_OBJECTS}; split it into smaller targets`);
  }
  const seen = new Map<string, Resource>();
  for (const r of resources) {
    const first = seen.get(resourceKey(r));
    if (first) {
      throw new RenderError(`${displayName(r)} is defined twice (${where(first)} and ${where(r)}); remove one`, r.source?.file, r.source?.line);
    }
    seen.set(resourceKey(r), r);
  }
  return { resources, notes };
}

/** One revision's targets, for prerender. */
export interface RevisionTargets {
  snapshot: Snapshot;
  targets: Target[];
}

interface Keyed {
  target: Target;
  key: string;
}

/** The kustomize targets of one revision that may build in a batch and that no cache holds, one per key. */
async function unrendered({ snapshot, targets }: RevisionTargets, limits: Limits, tool: string): Promise<Keyed[]> {
  // A Flux Kustomization builds its own kustomization in place of the path's: never in a batch.
  const kustomize = targets.filter((t) => t.renderer === 'kustomize' && !t.flux);
  if (kustomize.length < 2) return [];
  const keyed = await Promise.all(kustomize.map(async (target) => ({ target, key: await renderKey(snapshot, target, limits, tool) })));
  // What an earlier review or process rendered is read, not built.
  const cached = await Promise.all(keyed.map((k) => recalled(snapshot, k.key)));
  const todo = [...new Map(keyed.filter((_, i) => !cached[i]).map((k) => [k.key, k])).values()];
  return todo.length < 2 ? [] : todo;
}

/**
 * Starts the renders of many kustomize targets (of base and head) as a few
 * batched builds, and leaves them in the render cache for renderTarget to pick
 * up; those the cache holds already (in memory or on disk) are not built again.
 * A batch that cannot build as a whole falls back to one build per target.
 */
export async function prerender(revisions: RevisionTargets[], limits: Limits): Promise<void> {
  if (!revisions.some((r) => r.targets.filter((t) => t.renderer === 'kustomize').length >= 2)) return;
  let tool: string;
  try {
    tool = await (await findTool('kustomize')).identity;
  } catch {
    return; // renderTarget reports the missing tool per target
  }
  const todos = await Promise.all(revisions.map((revision) => unrendered(revision, limits, tool)));
  // Both revisions' batches share every core: a side whose renders were read leaves its cores to the other.
  const cores = Math.max(1, availableParallelism());
  const size = Math.min(MAX_BATCH, Math.max(2, Math.ceil(todos.reduce((n, todo) => n + todo.length, 0) / cores)));
  const run = limiter(cores);
  const chunks = todos.map((todo, i) => Array.from({ length: Math.ceil(todo.length / size) }, (_, c) => ({ snapshot: revisions[i]!.snapshot, chunk: todo.slice(c * size, (c + 1) * size) })));
  // Taken in turn from each revision, so that targets are complete at both sides early and their diffs start while builds go on.
  for (let c = 0; chunks.some((list) => c < list.length); c++) {
    for (const { snapshot, chunk } of chunks.flatMap((list) => list.slice(c, c + 1))) {
      const batch = run(() => renderKustomizeBatch(snapshot, chunk.map((k) => k.target), limits));
      for (const { target, key } of chunk) freshRender(snapshot, key, () => complete(batch.then((built) => built?.get(target) ?? renderKustomize(snapshot, target, limits))));
    }
  }
}

const MAX_BATCH = 50;
/** One target never renders more objects than this: beyond it, review memory is no longer bounded. */
export const MAX_OBJECTS = 50_000;
