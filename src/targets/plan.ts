// Which targets a change affects, each with its definition at base and at head
// (an Application may change its value files; an overlay may be new or gone).
// Targets are paired across the sides by what they are, never by name alone.
import type { Config } from '../config/schema.js';
import { MANIFEST_EXTENSIONS } from '../core/manifests.js';
import type { JsonObject } from '../core/resource.js';
import { CONFIG_FILE } from '../config/load.js';
import { plainFiles } from '../render/plain.js';
import type { Snapshot } from '../repo/snapshot.js';
import { detectRenderer } from './detect.js';
import { discoverHead, discoverNotRendered, discoverTargets, type DiscoveryOptions } from './discover.js';
import type { Limits } from '../render/sandbox.js';
import { repositoryScope, splitByRepository } from './scope.js';
import { targetInputs, type TargetInputs } from '../render/inputs.js';
import { dirOf, isGenerated, repoDir, targetIdentity, type NotRendered, type Target } from '../core/target.js';

export interface Plan {
  targets: PlannedTarget[];
  /** Declarations the change touches that are not rendered from this repository, with the reason. */
  notRendered: NotRendered[];
}

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
    ...(t.cluster ? { cluster: t.cluster } : {}),
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
  // A child's parent may change in ways that leave the child as it was.
  const { declaredBy: _b, parent: _bp, ...baseDef } = base.target;
  const { declaredBy: _h, parent: _hp, ...headDef } = head.target;
  if (JSON.stringify(baseDef) !== JSON.stringify(headDef)) return false;
  const files = (side: Side) => [...side.inputs.files].filter((f) => f !== side.target.declaredBy?.file);
  const [a, b] = [files(base), files(head)];
  return a.length === b.length && a.every((f) => head.inputs.files.has(f) && baseSnap.files.get(f)?.oid === headSnap.files.get(f)?.oid);
}

/** The declaring file's directories, then its name without extension: what tells same-named declarations apart. */
function placeOf(target: Target | null): string[][] {
  const file = target?.declaredBy?.file;
  if (!file) return [];
  const dirs = dirOf(file) === '.' ? [] : dirOf(file).split('/');
  return [dirs, [...dirs, file.slice(file.lastIndexOf('/') + 1).replace(/\.[^.]*$/, '')]];
}

/**
 * Display names made unique and short: same-named declarations get the fewest
 * trailing directories of their file that tell them apart ("staging/apps",
 * "production/apps"), then the file's name; anything still shared a number.
 */
function distinctNames(planned: PlannedTarget[]): PlannedTarget[] {
  const groups = new Map<string, PlannedTarget[]>();
  for (const p of planned) groups.set(p.name, [...(groups.get(p.name) ?? []), p]);
  const renamed = new Map<PlannedTarget, string>();
  for (const [name, group] of groups) {
    const declared = group.filter((p) => placeOf(p.head ?? p.base).length);
    if (group.length < 2 || declared.length === 0) continue;
    const places = declared.map((p) => placeOf(p.head ?? p.base));
    search: for (const variant of [0, 1]) {
      const longest = Math.max(...places.map((place) => place[variant]!.length));
      for (let k = 1; k <= longest; k++) {
        const prefixes = places.map((place) => place[variant]!.slice(-k).join('/'));
        if (new Set(prefixes).size === prefixes.length) {
          declared.forEach((p, i) => renamed.set(p, prefixes[i] ? `${prefixes[i]}/${name}` : name));
          break search;
        }
      }
    }
  }
  const withPlaces = planned.map((p) => (renamed.has(p) ? { ...p, name: renamed.get(p)! } : p));
  const taken = new Set(withPlaces.map((p) => p.name));
  const used = new Set<string>();
  return withPlaces.map((p) => {
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
export async function planTargets(
  config: Config,
  base: Snapshot,
  head: Snapshot,
  changedFiles: string[],
  repoURLs: Set<string> = new Set(),
  limits?: Limits,
  baseBranch?: string,
): Promise<Plan> {
  const changed = new Set(changedFiles);
  const configured = config.targets !== undefined;
  const options: DiscoveryOptions = { ...(config.clusters ? { clusters: config.clusters } : {}), ...(repoURLs.size ? { known: repoURLs } : {}), ...(limits ? { limits } : {}) };
  const baseFound = configured ? configuredTargets(config, base) : await discoverTargets(base, options);
  const headFound = configured ? configuredTargets(config, head) : await discoverHead(base, baseFound, head, changedFiles, options);
  const scope = repositoryScope(repoURLs, baseBranch, baseFound);
  const baseSplit = splitByRepository(baseFound, scope);
  const headSplit = splitByRepository(headFound, scope);
  const [baseTargets, headTargets] = [baseSplit.ours, headSplit.ours];
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

  // Names are made unique among every target, planned or not: a target keeps its name from one review to the next.
  const all = pairs.map((pair) => ({ name: (pair.head ?? pair.base)!.target.name, base: pair.base?.target ?? null, head: pair.head?.target ?? null }));
  const named = distinctNames(all);
  const planned: PlannedTarget[] = [];
  pairs.forEach((pair, i) => {
    const before = pair.base && withData(pair.base, base, baseData);
    const after = pair.head && withData(pair.head, head, headData);
    const touched = [before, after].some((side) => side && [...side.inputs.files].some((f) => changed.has(f)));
    // A generated target's definition comes from files that are not its inputs (a parent's values, a generator's files).
    const evaluated = [before, after].some((side) => side && isGenerated(side.target));
    if (!(touched || evaluated) || (before && after && identical(before, after, base, head))) return;
    planned.push({ name: named[i]!.name, base: before?.target ?? null, head: after?.target ?? null });
  });
  if (!configured) {
    for (const dir of changedDirs(changedFiles, claimed)) {
      const target: Target = { name: dir, path: dir, renderer: 'plain', namespace: 'default', guessed: true };
      // A directory new at head is a new target: nothing configured for one at base applies to it.
      const atBase = plainFiles(base, target).length > 0;
      planned.push({ name: dir, base: atBase ? withDataFiles(target, base, baseData) : null, head: withDataFiles(target, head, headData) });
    }
  }
  const [baseOthers, headOthers] = configured ? [[], []] : await Promise.all([discoverNotRendered(base, options), discoverNotRendered(head, options)]);
  const listed = touchedDeclarations([...baseSplit.foreign, ...headSplit.foreign, ...baseOthers, ...headOthers], changed);
  return { targets: distinctNames(planned), notRendered: [...listed.filter((n) => !n.failed), ...newlyFailed(baseOthers, headOthers)] };
}

const declarationKey = (entry: NotRendered) => `${entry.declaredBy.kind}|${entry.declaredBy.namespace ?? ''}|${entry.name}|${entry.declaredBy.file}`;

/**
 * Declarations that fail at head but not at base, whichever file changed: a new
 * directory can push an ApplicationSet past a limit without touching it.
 */
function newlyFailed(base: NotRendered[], head: NotRendered[]): NotRendered[] {
  const before = new Set(base.filter((n) => n.failed).map(declarationKey));
  return [...new Map(head.filter((n) => n.failed && !before.has(declarationKey(n))).map((n) => [declarationKey(n), n])).values()];
}

/** Declarations not rendered whose file the change touches, each once: the others are not news. */
function touchedDeclarations(all: NotRendered[], changed: Set<string>): NotRendered[] {
  const seen = new Map<string, NotRendered>();
  for (const entry of all) {
    // The head's reason when both sides have one: what merging leaves.
    if (changed.has(entry.declaredBy.file)) seen.set(declarationKey(entry), entry);
  }
  return [...seen.values()];
}
