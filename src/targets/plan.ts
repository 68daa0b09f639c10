// Which targets a change affects, each with its definition at base and at head
// (an Application may change its value files; an overlay may be new or gone).
// Targets are paired across the sides by what they are, never by name alone.
import type { Config } from '../config/schema.js';
import type { JsonObject } from '../core/resource.js';
import { CONFIG_FILE } from '../config/load.js';
import { plainFiles } from '../render/plain.js';
import type { Snapshot } from '../repo/snapshot.js';
import { detectRenderer } from './detect.js';
import { discoverHead, discoverTargets } from './discover.js';
import { targetInputs, type TargetInputs } from './inputs.js';
import { dirOf, MANIFEST_EXTENSIONS, repoDir, targetIdentity, type Target } from './target.js';

export interface PlannedTarget {
  /** Unique in the review: the target's name, with its declaring file (or a number) added when planned targets share it. */
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

/** Directories holding changed manifests that no other target reads: guessed plain targets. */
function changedDirs(changed: string[], claimed: Set<string>): string[] {
  const dirs = new Set<string>();
  for (const file of changed) {
    if (MANIFEST_EXTENSIONS.test(file) && file !== CONFIG_FILE && !claimed.has(file)) dirs.add(dirOf(file));
  }
  return [...dirs].sort();
}

interface Side {
  target: Target;
  inputs: TargetInputs;
}

interface Pair {
  base?: Side;
  head?: Side;
}

async function sidesOf(snapshot: Snapshot, targets: Target[]): Promise<Side[]> {
  const inputs = await Promise.all(targets.map((target) => targetInputs(snapshot, target)));
  return targets.map((target, i) => ({ target, inputs: inputs[i]! }));
}

/** The declaring object without its file: moved to another file, it is still the same object in the cluster. */
function declaredObject(target: Target): string | undefined {
  const d = target.declaredBy;
  return d && `${d.kind}|${d.namespace ?? ''}|${target.name}`;
}

function groupBy(sides: Side[], key: (side: Side) => string | undefined): Map<string, Side[]> {
  const groups = new Map<string, Side[]>();
  for (const side of sides) {
    const k = key(side);
    if (k !== undefined) groups.set(k, [...(groups.get(k) ?? []), side]);
  }
  return groups;
}

/**
 * Base and head targets paired by identity; then a declaration that moved to
 * another file, when the move is unambiguous. A base target left without a head
 * is still reviewed at head with its base definition while its directory still
 * holds what its renderer reads: a new declaration that claims its path or
 * reuses its name never takes its place.
 */
async function pairDiscovered(baseSides: Side[], headSides: Side[], head: Snapshot): Promise<Pair[]> {
  const heads = new Map(headSides.map((side) => [targetIdentity(side.target), side]));
  const pairs: Pair[] = [];
  const alone: Side[] = [];
  for (const side of baseSides) {
    const match = heads.get(targetIdentity(side.target));
    if (match) heads.delete(targetIdentity(match.target));
    if (match) pairs.push({ base: side, head: match });
    else alone.push(side);
  }
  const baseByObject = groupBy(alone, (side) => declaredObject(side.target));
  const headByObject = groupBy([...heads.values()], (side) => declaredObject(side.target));
  for (const side of alone) {
    const object = declaredObject(side.target);
    if (object !== undefined) {
      const moved = headByObject.get(object);
      const match = moved?.length === 1 && baseByObject.get(object)?.length === 1 ? moved[0]! : undefined;
      if (match) heads.delete(targetIdentity(match.target));
      pairs.push(match ? { base: side, head: match } : { base: side });
    } else if (detectRenderer(head, repoDir(side.target.path)) === side.target.renderer) {
      pairs.push({ base: side, head: { target: side.target, inputs: await targetInputs(head, side.target) } });
    } else {
      pairs.push({ base: side });
    }
  }
  return [...pairs, ...[...heads.values()].map((side) => ({ head: side }))];
}

/** A plain target with the files of it that other targets (or the config) read as data. */
function withDataFiles(target: Target, snapshot: Snapshot, data: Set<string>): Target {
  if (target.renderer !== 'plain') return target;
  const files = plainFiles(snapshot, target).filter((file) => data.has(file));
  return files.length ? { ...target, dataFiles: files } : target;
}

function dataOf(sides: Array<Side | undefined>): Set<string> {
  return new Set([CONFIG_FILE, ...sides.flatMap((side) => (side ? [...side.inputs.data] : []))]);
}

/** Same definition and byte-identical inputs (by blob id) on both sides: the render cannot differ. */
function identical(base: Side, head: Side, baseSnap: Snapshot, headSnap: Snapshot): boolean {
  const { declaredBy: _b, ...baseDef } = base.target;
  const { declaredBy: _h, ...headDef } = head.target;
  if (JSON.stringify(baseDef) !== JSON.stringify(headDef)) return false;
  const files = (side: Side) => [...side.inputs.files].filter((f) => f !== side.target.declaredBy?.file);
  const [a, b] = [files(base), files(head)];
  return a.length === b.length && a.every((f) => head.inputs.files.has(f) && baseSnap.files.get(f)?.oid === headSnap.files.get(f)?.oid);
}

/** Display names made unique: shared names get the declaring file, then a number. */
function distinctNames(planned: PlannedTarget[]): PlannedTarget[] {
  const counts = new Map<string, number>();
  for (const p of planned) counts.set(p.name, (counts.get(p.name) ?? 0) + 1);
  const withFiles = planned.map((p) => {
    const file = (p.head ?? p.base)?.declaredBy?.file;
    return counts.get(p.name)! > 1 && file ? { ...p, name: `${p.name}@${file}` } : p;
  });
  const taken = new Set(withFiles.map((p) => p.name));
  const used = new Set<string>();
  return withFiles.map((p) => {
    let name = p.name;
    for (let n = 2; used.has(name) || (name !== p.name && taken.has(name)); n++) name = `${p.name}#${n}`;
    used.add(name);
    return name === p.name ? p : { ...p, name };
  });
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
  const [baseSides, headSides] = await Promise.all([sidesOf(base, baseTargets), sidesOf(head, headTargets)]);
  // Configured targets come from the base config on both sides: the same list.
  const pairs = configured ? baseSides.map((side, i) => ({ base: side, head: headSides[i] })) : await pairDiscovered(baseSides, headSides, head);

  const claimed = new Set<string>();
  for (const side of pairs.flatMap((p) => [p.base, p.head])) {
    // The file declaring an Application is itself a manifest (app of apps): it stays a plain target's too.
    for (const file of side?.inputs.files ?? []) if (file !== side?.target.declaredBy?.file) claimed.add(file);
  }
  const baseData = dataOf(pairs.map((p) => p.base));
  const headData = dataOf(pairs.map((p) => p.head));
  const withData = (side: Side, snapshot: Snapshot, data: Set<string>): Side => ({ ...side, target: withDataFiles(side.target, snapshot, data) });

  const planned: PlannedTarget[] = [];
  for (const pair of pairs) {
    const before = pair.base && withData(pair.base, base, baseData);
    const after = pair.head && withData(pair.head, head, headData);
    const touched = [before, after].some((side) => side && [...side.inputs.files].some((f) => changed.has(f)));
    if (!touched || (before && after && identical(before, after, base, head))) continue;
    planned.push({ name: (after ?? before)!.target.name, base: before?.target ?? null, head: after?.target ?? null });
  }
  if (!configured) {
    for (const dir of changedDirs(changedFiles, claimed)) {
      const target: Target = { name: dir, path: dir, renderer: 'plain', namespace: 'default', guessed: true };
      // A directory new at head is a new target: nothing configured for one at base applies to it.
      const atBase = plainFiles(base, target).length > 0;
      planned.push({ name: dir, base: atBase ? withDataFiles(target, base, baseData) : null, head: withDataFiles(target, head, headData) });
    }
  }
  return distinctNames(planned);
}
