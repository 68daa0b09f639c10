// Which targets a change affects, each with its definition at base and at head
// (an Application may change its value files; an overlay may be new or gone).
import type { Config } from '../config/schema.js';
import type { JsonObject } from '../core/resource.js';
import { CONFIG_FILE } from '../config/load.js';
import type { Snapshot } from '../repo/snapshot.js';
import { detectRenderer, discoverHead, discoverTargets } from './discover.js';
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

interface Side {
  target: Target;
  inputs: Set<string>;
}

/** Same definition and byte-identical inputs (by blob id) on both sides: the render cannot differ. */
function identical(base: Side, head: Side, baseSnap: Snapshot, headSnap: Snapshot): boolean {
  const { declaredIn: _b, ...baseDef } = base.target;
  const { declaredIn: _h, ...headDef } = head.target;
  if (JSON.stringify(baseDef) !== JSON.stringify(headDef)) return false;
  const files = (side: Side) => [...side.inputs].filter((f) => f !== side.target.declaredIn);
  const [a, b] = [files(base), files(head)];
  return a.length === b.length && a.every((f) => head.inputs.has(f) && baseSnap.files.get(f)?.oid === headSnap.files.get(f)?.oid);
}

/**
 * The targets to review: configured ones (from the base config) or those
 * discovered at base and head, kept when a changed file is among their inputs
 * on either side, unless those inputs are byte-identical at base and head.
 */
export async function planTargets(config: Config, base: Snapshot, head: Snapshot, changedFiles: string[]): Promise<PlannedTarget[]> {
  const changed = new Set(changedFiles);
  const configured = config.targets !== undefined;
  const baseTargets = configured ? configuredTargets(config, base) : await discoverTargets(base);
  const headTargets = configured ? configuredTargets(config, head) : await discoverHead(base, baseTargets, head, changedFiles);

  const sides = new Map<string, { base?: Side; head?: Side }>();
  const claimed = new Set<string>();
  const collect = async (side: 'base' | 'head', targets: Target[], snapshot: Snapshot) => {
    const all = await Promise.all(targets.map((target) => targetInputs(snapshot, target)));
    for (const [i, target] of targets.entries()) {
      const inputs = all[i]!;
      // The file declaring an Application is itself a manifest (app of apps): it stays a plain target's too.
      for (const file of inputs) if (file !== target.declaredIn) claimed.add(file);
      const entry = sides.get(target.name) ?? {};
      entry[side] = { target, inputs };
      sides.set(target.name, entry);
    }
  };
  await collect('base', baseTargets, base);
  await collect('head', headTargets, head);

  const planned: PlannedTarget[] = [];
  for (const [name, { base: before, head: after }] of sides) {
    const touched = [before, after].some((side) => side && [...side.inputs].some((f) => changed.has(f)));
    if (!touched || (before && after && identical(before, after, base, head))) continue;
    planned.push({ name, base: before?.target ?? null, head: after?.target ?? null });
  }
  if (!configured) {
    for (const t of plainTargets(changedFiles, claimed)) if (!sides.has(t.name)) planned.push({ name: t.name, base: t, head: t });
  }
  return planned;
}
