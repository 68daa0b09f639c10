import type { Resource } from '../core/resource.js';
import type { Snapshot } from '../repo/snapshot.js';
import type { Target } from '../targets/target.js';
import { renderHelm } from './helm.js';
import { renderKustomize } from './kustomize.js';
import { renderPlain } from './plain.js';
import type { Limits } from './sandbox.js';

/** Renders a target at one revision; a RenderError when it cannot. */
export async function renderTarget(snapshot: Snapshot, target: Target, limits: Limits): Promise<Resource[]> {
  switch (target.renderer) {
    case 'plain':
      return renderPlain(snapshot, target);
    case 'kustomize':
      return renderKustomize(snapshot, target, limits);
    case 'helm':
      return renderHelm(snapshot, target, limits);
  }
}
