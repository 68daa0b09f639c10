import type { Summary, TargetResult } from './model.js';

export function summarize(targets: TargetResult[]): Summary {
  const summary: Summary = { created: 0, updated: 0, deleted: 0, replaced: 0 };
  const field = { create: 'created', update: 'updated', delete: 'deleted', replace: 'replaced' } as const;
  // A deletion the controller does not carry out (Prune=false, a hook) deletes nothing.
  for (const target of targets) for (const change of target.changes) if (change.prune !== false) summary[field[change.action]]++;
  return summary;
}
