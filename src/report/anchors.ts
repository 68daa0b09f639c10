// Where each change sits in the report page (#change-<id>). The comment links a
// left-out diff there, so the page and the comment name a change alike. An id is a
// hash of the change's target and identity (group, kind, namespace, name; not the
// version): stable from one review to the next, and never the names themselves.
import { createHash } from 'node:crypto';
import type { Change, TargetResult } from '../core/model.js';
import { resourceKey } from '../core/resource.js';

/** Every change's id in the page, unique within the review. */
export function changeAnchors(targets: readonly TargetResult[]): Map<Change, string> {
  const anchors = new Map<Change, string>();
  const taken = new Set<string>();
  for (const target of targets) {
    for (const change of target.changes) {
      const id = `change-${createHash('sha256').update(`${target.name}\0${resourceKey(change)}`).digest('hex').slice(0, 20)}`;
      // The same identity twice in one target (a renderer's duplicate) still gets an id of its own.
      let unique = id;
      for (let n = 2; taken.has(unique); n++) unique = `${id}-${n}`;
      taken.add(unique);
      anchors.set(change, unique);
    }
  }
  return anchors;
}
