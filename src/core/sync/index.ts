// The diff of one target as its controller will sync it: ignored differences
// left out, hooks, prune and sync options marked, the apply order computed.
import { diffResources, type IgnoredFields } from '../diff/index.js';
import type { HiddenFields } from '../diff/hidden-fields.js';
import type { Change, SyncStep } from '../model.js';
import { displayName, type Resource } from '../resource.js';
import { applySync } from './apply.js';
import { ignoredPointers, unevaluatedRules } from './ignore.js';
import type { SyncModel } from './model.js';
import { syncOrder } from './order.js';

export interface SyncedDiff {
  changes: Change[];
  /** Argo CD targets only. */
  syncOrder?: SyncStep[];
  /** What was left out or not evaluated, one sentence each. */
  notes: string[];
}

/** `ignoredByConfig`: the fields diff.ignore leaves out of the comparison. */
export function syncedDiff(base: Resource[], head: Resource[], model: SyncModel, ignoredByConfig?: HiddenFields): SyncedDiff {
  const argo = model.argocd;
  const hidden: string[] = [];
  const rules = argo?.ignoreDifferences ?? [];
  const ignored: IgnoredFields | undefined = rules.length
    ? {
        pointers: (r) => ignoredPointers(r, rules),
        respected: argo!.syncOptions.includes('RespectIgnoreDifferences=true'),
        hidden: (r) => hidden.push(`${displayName(r)} (${ignoredPointers(r, rules).join(', ')})`),
      }
    : undefined;
  const changes = applySync(diffResources(base, head, ignored, ignoredByConfig), model);
  const notes = [
    ...(hidden.length ? [`ignoreDifferences hides the only changes of ${hidden.join(', ')}: Argo CD reports them in sync and does not sync them for it.`] : []),
    ...unevaluatedRules(rules),
  ];
  return { changes, ...(argo ? { syncOrder: syncOrder(head, model) } : {}), notes };
}
