// Argo CD sync options of one object: its argocd.argoproj.io/sync-options
// annotation first, then the Application's syncPolicy.syncOptions.
import type { JsonObject } from '../resource.js';
import { annotationList } from './hooks.js';
import type { ArgoSync } from './model.js';

const SYNC_OPTIONS = 'argocd.argoproj.io/sync-options';
export const COMPARE_OPTIONS = 'argocd.argoproj.io/compare-options';

/** The value of option `name` ("Prune", "Replace"…) for the object, or undefined when neither sets it. */
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

/** The options that change how the object is applied, as "Name=true", in a fixed order. */
export function applyOptions(object: JsonObject, settings: ArgoSync): string[] {
  return ['Replace', 'Force', 'ServerSideApply'].filter((name) => optionValue(object, settings, name) === 'true').map((name) => `${name}=true`);
}

/**
 * Whether a sync deletes and re-creates the object when an update is refused:
 * Force=true with Replace=true (kubectl replace --force), or with client-side apply
 * (kubectl apply --force). Replace=true takes precedence over ServerSideApply=true.
 */
export function recreatesOnConflict(options: string[]): boolean {
  return options.includes('Force=true') && (options.includes('Replace=true') || !options.includes('ServerSideApply=true'));
}
