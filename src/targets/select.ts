// Which targets a change affects: configured targets, or plain directories found
// from the changed files.
import type { Config } from '../config/schema.js';
import { CONFIG_FILE } from '../config/load.js';
import { dirOf, MANIFEST_EXTENSIONS, type Target } from './target.js';

/** Each directory holding a changed manifest file is a plain target (non-recursive, like an Argo CD directory app). */
export function discoverPlainTargets(changed: string[]): Target[] {
  const dirs = new Set<string>();
  for (const file of changed) if (MANIFEST_EXTENSIONS.test(file) && file !== CONFIG_FILE) dirs.add(dirOf(file));
  return [...dirs].sort().map((path) => ({ name: path, path, renderer: 'plain', namespace: 'default' }));
}

export function configuredTargets(config: Config): Target[] | null {
  if (!config.targets) return null;
  return config.targets.map((t) => ({
    name: t.name,
    path: t.path,
    renderer: t.renderer ?? 'plain',
    namespace: t.namespace ?? 'default',
    ...(t.kubernetesVersion ? { kubernetesVersion: t.kubernetesVersion } : {}),
    ...(t.helm ? { helm: t.helm } : {}),
  }));
}

/** A plain target reads the files directly in its directory. */
export function isAffected(target: Target, changed: string[]): boolean {
  return changed.some((file) => dirOf(file) === target.path);
}

/** The targets to review for a change. */
export function selectTargets(config: Config, changed: string[]): Target[] {
  const configured = configuredTargets(config);
  if (!configured) return discoverPlainTargets(changed);
  return configured.filter((t) => isAffected(t, changed));
}
