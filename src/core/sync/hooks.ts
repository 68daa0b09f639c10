// Hooks: objects a sync creates anew each time instead of applying them, as
// Argo CD (gitops-engine pkg/sync/hook) and Helm define them.
import { isObject, type JsonObject } from '../resource.js';
import type { Hook } from '../model.js';
import type { SyncModel } from './model.js';

export const HOOK = 'argocd.argoproj.io/hook';
const HOOK_DELETE_POLICY = 'argocd.argoproj.io/hook-delete-policy';
const HELM_HOOK = 'helm.sh/hook';
const HELM_DELETE_POLICY = 'helm.sh/hook-delete-policy';

const ARGO_PHASES = new Set(['PreSync', 'Sync', 'PostSync', 'SyncFail', 'Skip', 'PreDelete', 'PostDelete']);
// Argo CD runs these Helm hooks in its own phases; it never runs the others (delete, rollback, test).
const HELM_TO_ARGO: Record<string, string> = { 'pre-install': 'PreSync', 'pre-upgrade': 'PreSync', 'post-install': 'PostSync', 'post-upgrade': 'PostSync' };
const HELM_TO_ARGO_POLICY: Record<string, string> = { 'before-hook-creation': 'BeforeHookCreation', 'hook-succeeded': 'HookSucceeded', 'hook-failed': 'HookFailed' };

export function annotation(object: JsonObject | undefined, key: string): string | undefined {
  const annotations = isObject(object?.metadata) && isObject(object.metadata.annotations) ? object.metadata.annotations : {};
  const value = annotations[key];
  return typeof value === 'string' ? value : undefined;
}

/** The comma-separated values of an annotation, trimmed, without duplicates. */
export function annotationList(object: JsonObject | undefined, key: string): string[] {
  return [...new Set((annotation(object, key) ?? '').split(',').map((v) => v.trim()).filter(Boolean))];
}

/** Argo CD hook annotation that only says Skip: the object is not applied at all. */
export function skippedBySync(object: JsonObject, model: SyncModel): boolean {
  if (!model.argocd) return false;
  const types = annotationList(object, HOOK).filter((t) => ARGO_PHASES.has(t));
  return types.length === 1 && types[0] === 'Skip';
}

/** The hook an object is under the controller that deploys it, or null for an ordinary object. */
export function hookOf(object: JsonObject, model: SyncModel): Hook | null {
  const helmEvents = annotationList(object, HELM_HOOK);
  const helmPolicies = annotationList(object, HELM_DELETE_POLICY);
  // Helm marks CRDs to install first with crd-install; they are no hooks.
  const helmHook = model.helmHooks && annotation(object, HELM_HOOK) !== undefined && annotation(object, HELM_HOOK) !== 'crd-install';
  if (model.argocd) {
    const argo = annotation(object, HOOK) !== undefined;
    if (!argo && !helmHook) return null;
    if (argo && skippedBySync(object, model)) return null;
    // An Argo CD hook annotation wins over Helm's.
    const types = annotationList(object, HOOK).filter((t) => ARGO_PHASES.has(t) && t !== 'Skip');
    const phases = types.length ? types : [...new Set(helmEvents.flatMap((e) => (HELM_TO_ARGO[e] ? [HELM_TO_ARGO[e]] : [])))];
    const policies = [
      ...annotationList(object, HOOK_DELETE_POLICY),
      ...helmPolicies.flatMap((p) => (HELM_TO_ARGO_POLICY[p] ? [HELM_TO_ARGO_POLICY[p]] : [])),
    ];
    return {
      phases,
      deletePolicies: policies.length ? [...new Set(policies)] : ['BeforeHookCreation'],
      runsAtSync: phases.some((p) => p === 'PreSync' || p === 'Sync' || p === 'PostSync' || p === 'SyncFail'),
    };
  }
  if (!helmHook) return null;
  return {
    phases: helmEvents,
    deletePolicies: helmPolicies.length ? helmPolicies : ['before-hook-creation'],
    // helm upgrade (what Flux's helm-controller runs on every change) runs only the upgrade hooks.
    runsAtSync: helmEvents.includes('pre-upgrade') || helmEvents.includes('post-upgrade'),
  };
}
