// The images a merge request moves: every container (init containers included)
// whose image changes, created or removed with its workload, grouped by old → new
// reference with the workloads and targets it reaches and the semver direction.
import type { Change, TargetResult } from './model.js';
import { compareTags, parseImage } from './images.js';
import { containers, podSpec } from './pod.js';
import { displayName } from './resource.js';

export type Direction = 'upgrade' | 'downgrade' | 'same tag' | 'changed' | 'added' | 'removed';

export interface ImageMove {
  repository: string;
  /** The whole reference before and after ("repo:tag@digest"); null when the container is new or gone. */
  from: string | null;
  to: string | null;
  direction: Direction;
  /** "Deployment shop/web (container web, init)" — each workload once. */
  workloads: string[];
  targets: string[];
}

/** The image of each container of a workload, by container name and kind (init or not). */
function imagesOf(change: Change, side: 'base' | 'head'): Map<string, { image: string; label: string }> {
  const resource = change[side];
  const spec = resource ? podSpec(resource.kind, resource.object) : null;
  return new Map(containers(spec).flatMap((c) => (typeof c.spec.image === 'string' ? [[`${c.init ? 'init:' : ''}${c.name}`, { image: c.spec.image, label: `${c.name}${c.init ? ', init' : ''}` }] as const] : [])));
}

function direction(from: string | null, to: string | null): Direction {
  if (from === null) return 'added';
  if (to === null) return 'removed';
  const [a, b] = [parseImage(from), parseImage(to)];
  if (a.repository !== b.repository) return 'changed';
  if (a.tag !== null && a.tag === b.tag) return 'same tag';
  const order = a.tag !== null && b.tag !== null ? compareTags(a.tag, b.tag) : null;
  return order === null || order === 0 ? 'changed' : order < 0 ? 'upgrade' : 'downgrade';
}

/** Every image move of the review, in order of first appearance. */
export function imageMoves(targets: TargetResult[]): ImageMove[] {
  const moves = new Map<string, ImageMove>();
  for (const target of targets) {
    for (const change of target.changes) {
      const [before, after] = [imagesOf(change, 'base'), imagesOf(change, 'head')];
      const workload = displayName(change);
      for (const key of new Set([...before.keys(), ...after.keys()])) {
        const [from, to] = [before.get(key)?.image ?? null, after.get(key)?.image ?? null];
        if (from === to) continue;
        const id = JSON.stringify([from, to]);
        let move = moves.get(id);
        if (!move) moves.set(id, (move = { repository: parseImage((to ?? from)!).repository, from, to, direction: direction(from, to), workloads: [], targets: [] }));
        const label = `${workload} (container ${(after.get(key) ?? before.get(key))!.label})`;
        if (!move.workloads.includes(label)) move.workloads.push(label);
        if (!move.targets.includes(target.name)) move.targets.push(target.name);
      }
    }
  }
  return [...moves.values()];
}
