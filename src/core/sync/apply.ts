// What the controller does with each predicted change: hooks are created anew
// at every sync, Prune=false leaves deleted objects in the cluster, sync options
// change how an object is written. Pure: changes and the sync model in, the
// same changes annotated (in place) out; impacts come after, from these fields.
import type { Change } from '../model.js';
import { at } from '../pod.js';
import { isObject, type JsonObject } from '../resource.js';
import { annotationList, hookOf } from './hooks.js';
import type { SyncModel } from './model.js';
import { applyOptions, COMPARE_OPTIONS, optionValue, recreatesOnConflict } from './options.js';

export function applySync(changes: Change[], model: SyncModel): Change[] {
  for (const change of changes) {
    const object = (change.head ?? change.base)!.object;
    const hook = hookOf(object, model);
    if (hook) {
      change.hook = hook;
      // A hook is never updated in place, so no field of it is refused: one that runs is created anew,
      // one that does not run at sync stays as it is.
      delete change.immutableFields;
      const sameObject = change.action === 'update' || (change.action === 'replace' && change.previousName === change.name && change.previousNamespace === undefined);
      if (sameObject) {
        change.action = hook.runsAtSync ? 'replace' : 'update';
        if (hook.runsAtSync) change.previousName = change.name;
        else delete change.previousName;
        // gitops-engine and Helm look the hook up by name: the ordinary object in its place is deleted.
        if (hook.runsAtSync && !hookOf(change.base!.object, model)) change.hookReplacesLive = true;
      }
      // Hooks are not pruned: one left by an earlier sync goes only by its delete policy.
      if (change.action === 'delete') change.prune = false;
      continue;
    }
    if (change.action === 'delete' && leftByController(change.base!.object, model)) change.prune = false;
    const argo = model.argocd;
    if (!argo) continue;
    if (change.action === 'delete') {
      // The live object is the base one: its own annotation, else the Application's option.
      if (optionValue(change.base!.object, argo, 'Prune') === 'false') change.prune = false;
      if (annotationList(change.base!.object, COMPARE_OPTIONS).includes('IgnoreExtraneous')) change.ignoreExtraneous = true;
      continue;
    }
    const options = applyOptions(object, argo, change.base?.object);
    if (options.length) change.syncOptions = options;
    if (change.immutableFields?.length && recreatesOnConflict(options)) change.recreatedBySync = true;
  }
  return changes;
}

const FLUX_PRUNE = 'kustomize.toolkit.fluxcd.io/prune';
const HELM_RESOURCE_POLICY = 'helm.sh/resource-policy';

/** Flux without spec.prune, or an object Flux is told not to prune; Helm's kept resources. */
function leftByController(object: JsonObject, model: SyncModel): boolean {
  const annotations = at(object, 'metadata', 'annotations');
  const annotation = (key: string) => (isObject(annotations) ? annotations[key] : undefined);
  if (model.flux) return !model.flux.prune || annotation(FLUX_PRUNE) === 'disabled';
  return model.helmRelease === true && annotation(HELM_RESOURCE_POLICY) === 'keep';
}

/** Whether applying the change deletes the (base) object from the cluster. */
export function deletesObject(change: Change): boolean {
  return (change.action === 'delete' && change.prune !== false) || change.hookReplacesLive === true;
}
