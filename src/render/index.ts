import type { Resource } from '../core/resource.js';
import { RenderError } from '../errors.js';
import type { Snapshot } from '../repo/snapshot.js';
import type { Target } from '../targets/target.js';
import { renderPlain } from './plain.js';

/** Renders a target at one revision; a RenderError when it cannot. */
export async function renderTarget(snapshot: Snapshot, target: Target): Promise<Resource[]> {
  switch (target.renderer) {
    case 'plain':
      return renderPlain(snapshot, target);
    default:
      throw new RenderError(`the ${target.renderer} renderer is not available in this version of safe-deploy`);
  }
}
