// Argo CD sync options of one object: its argocd.argoproj.io/sync-options
// annotation and the Application's syncPolicy.syncOptions.
import type { JsonObject } from '../resource.js';
import { annotationList } from './hooks.js';
import type { ArgoSync } from './model.js';

const SYNC_OPTIONS = 'argocd.argoproj.io/sync-options';
export const COMPARE_OPTIONS = 'argocd.argoproj.io/compare-options';

/** The value of option `name` ("Prune"…): the object's own first, else the Application's; undefined when neither sets it. */
export function optionValue(object: JsonObject | undefined, settings: ArgoSync, name: string): string | undefined {
  const valueIn = (options: string[]) => {
    for (const option of options) {
      const [key, value] = option.split('=', 2).map((s) => s.trim());
      if (key === name && value !== undefined) return value;
    }
    return undefined;
  };
  return valueIn(annotationList(object, SYNC_OPTIONS)) ?? valueIn(settings.syncOptions);
}

/**
 * The options that change how the object is written, as "Name=true", as
 * gitops-engine decides them: Replace and Force when the Application, the object
 * or the live object (the base one) sets them; ServerSideApply when the
 * Application or the object sets it and the object does not set it to false.
 */
export function applyOptions(object: JsonObject, settings: ArgoSync, live?: JsonObject): string[] {
  const set = (option: string, o: JsonObject | undefined) => o !== undefined && annotationList(o, SYNC_OPTIONS).includes(option);
  const enabled = (option: string) => settings.syncOptions.includes(option) || set(option, object);
  return [
    ...['Replace=true', 'Force=true'].filter((option) => enabled(option) || set(option, live)),
    ...(!set('ServerSideApply=false', object) && enabled('ServerSideApply=true') ? ['ServerSideApply=true'] : []),
  ];
}

/**
 * Whether a sync deletes and re-creates the object when an update is refused:
 * Force=true with Replace=true (kubectl replace --force), or with client-side apply
 * (kubectl apply --force). Replace=true takes precedence over ServerSideApply=true.
 */
export function recreatesOnConflict(options: string[]): boolean {
  return options.includes('Force=true') && (options.includes('Replace=true') || !options.includes('ServerSideApply=true'));
}
