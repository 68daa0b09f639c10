// Which targets a change affects, each with its definition at base and at head
// (an Application may change its value files; an overlay may be new or gone).
import type { Config } from '../config/schema.js';
import type { JsonObject } from '../core/resource.js';
import { CONFIG_FILE } from '../config/load.js';
import type { Snapshot } from '../repo/snapshot.js';
import { detectRenderer, discoverTargets } from './discover.js';
import { targetInputs } from './inputs.js';
import { dirOf, MANIFEST_EXTENSIONS, repoDir, type Target } from './target.js';

export interface PlannedTarget {
  name: string;
  /** null when the target does not exist on that side. */
  base: Target | null;
  head: Target | null;
}

function configuredTargets(config: Config, snapshot: Snapshot): Target[] {
  return (config.targets ?? []).map((t) => ({
    name: t.name,
    path: t.path,
    renderer: t.renderer ?? detectRenderer(snapshot, repoDir(t.path)),
    namespace: t.namespace ?? 'default',
    ...(t.kubernetesVersion ? { kubernetesVersion: t.kubernetesVersion } : {}),
    ...(t.helm
      ? {
          helm: {
            ...(t.helm.releaseName ? { releaseName: t.helm.releaseName } : {}),
            ...(t.helm.valueFiles ? { valueFiles: t.helm.valueFiles } : {}),
            ...(t.helm.values ? { values: t.helm.values as JsonObject } : {}),
            ...(t.helm.parameters
              ? { parameters: Object.entries(t.helm.parameters).map(([name, value]) => ({ name, value: String(value) })) }
              : {}),
          },
        }
      : {}),
  }));
}

/** Directories holding changed manifests that no other target reads: plain targets. */
function plainTargets(changed: string[], claimed: Set<string>): Target[] {
  const dirs = new Set<string>();
  for (const file of changed) {
    if (MANIFEST_EXTENSIONS.test(file) && file !== CONFIG_FILE && !claimed.has(file)) dirs.add(dirOf(file));
  }
  return [...dirs].sort().map((path) => ({ name: path, path, renderer: 'plain', namespace: 'default' }));
}

async function affected(target: Target, snapshot: Snapshot, changed: Set<string>): Promise<{ hit: boolean; inputs: Set<string> }> {
  const inputs = await targetInputs(snapshot, target);
  for (const file of inputs) if (changed.has(file)) return { hit: true, inputs };
  return { hit: false, inputs };
}

/**
 * The targets to review: configured ones (from the base config) or those
 * discovered at base and head, kept when a changed file is among their inputs
 * on either side.
 */
export async function planTargets(config: Config, base: Snapshot, head: Snapshot, changedFiles: string[]): Promise<PlannedTarget[]> {
  const changed = new Set(changedFiles);
  const configured = config.targets !== undefined;
  const [baseTargets, headTargets] = configured
    ? [configuredTargets(config, base), configuredTargets(config, head)]
    : await Promise.all([discoverTargets(base), discoverTargets(head)]);

  const byName = new Map<string, PlannedTarget>();
  const claimed = new Set<string>();
  const consider = async (side: 'base' | 'head', target: Target, snapshot: Snapshot) => {
    const { hit, inputs } = await affected(target, snapshot, changed);
    for (const file of inputs) claimed.add(file);
    const entry = byName.get(target.name) ?? { name: target.name, base: null, head: null };
    entry[side] = target;
    byName.set(target.name, entry);
    return hit;
  };
  const hits = new Set<string>();
  for (const t of baseTargets) if (await consider('base', t, base)) hits.add(t.name);
  for (const t of headTargets) if (await consider('head', t, head)) hits.add(t.name);

  const planned = [...byName.values()].filter((p) => hits.has(p.name));
  if (!configured) {
    for (const t of plainTargets(changedFiles, claimed)) if (!byName.has(t.name)) planned.push({ name: t.name, base: t, head: t });
  }
  return planned;
}
