import { displayName, resourceKey, type Resource } from '../core/resource.js';
import { RenderError } from '../errors.js';
import type { Snapshot } from '../repo/snapshot.js';
import type { Target } from '../targets/target.js';
import { renderHelm } from './helm.js';
import { renderKustomize } from './kustomize.js';
import { renderPlain } from './plain.js';
import type { Limits } from './sandbox.js';

function render(snapshot: Snapshot, target: Target, limits: Limits): Promise<Resource[]> {
  switch (target.renderer) {
    case 'plain':
      return renderPlain(snapshot, target);
    case 'kustomize':
      return renderKustomize(snapshot, target, limits);
    case 'helm':
      return renderHelm(snapshot, target, limits);
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
export async function renderTarget(snapshot: Snapshot, target: Target, limits: Limits): Promise<Resource[]> {
  const resources = await render(snapshot, target, limits);
  const seen = new Map<string, Resource>();
  for (const r of resources) {
    const first = seen.get(resourceKey(r));
    if (first) {
      throw new RenderError(`${displayName(r)} is defined twice (${where(first)} and ${where(r)}); remove one`, r.source?.file, r.source?.line);
    }
    seen.set(resourceKey(r), r);
  }
  return resources;
}
