// The sync model a change is judged with. What spares objects from the diff or from
// deletion — Flux's spec.prune: false, Argo CD's Prune=false and ignoreDifferences —
// counts only when the base's declaration says it too: like the config, which is
// read from the base, a merge request cannot switch off what judges it.
import type { ArgoSync, SyncModel } from './model.js';
import { optionValue } from './options.js';

export interface JudgedModel {
  model: SyncModel;
  /** What the head declares that the review does not take on its say-so, one sentence each. */
  notes: string[];
}

const isPrune = (option: string) => option.split('=', 1)[0]!.trim() === 'Prune';
const leaves = (sync: ArgoSync | undefined) => sync !== undefined && optionValue(undefined, sync, 'Prune') === 'false';

function judgedArgo(base: ArgoSync | undefined, head: ArgoSync, notes: string[]): ArgoSync {
  let syncOptions = head.syncOptions;
  if (leaves(head) && !leaves(base)) {
    syncOptions = syncOptions.filter((o) => !isPrune(o));
    notes.push('Prune=false is new in this change: deletions are judged as the base Application prunes them.');
  }
  const known = new Set((base?.ignoreDifferences ?? []).map((rule) => JSON.stringify(rule)));
  const ignoreDifferences = head.ignoreDifferences.filter((rule) => known.has(JSON.stringify(rule)));
  if (ignoreDifferences.length < head.ignoreDifferences.length) {
    notes.push('ignoreDifferences entries new in this change are not applied: their differences are shown.');
  }
  return { syncOptions, ignoreDifferences };
}

/** The head's model with only what the base also allows; `base` null for a target new at head. */
export function judgedModel(base: SyncModel | null, head: SyncModel): JudgedModel {
  if (!base) return { model: head, notes: [] };
  const notes: string[] = [];
  const model: SyncModel = { ...head };
  if (head.flux && !head.flux.prune && base.flux?.prune !== false) {
    model.flux = { prune: true };
    notes.push('spec.prune: false is new in this change: deletions are judged as the base Kustomization prunes them.');
  }
  if (head.argocd) model.argocd = judgedArgo(base.argocd, head.argocd, notes);
  return { model, notes };
}
