import { apiGroup, resourceKey, type Resource } from '../resource.js';

export interface ResourcePair {
  base: Resource | null;
  head: Resource | null;
}

// kustomize's generator hash: 10 characters of its consonant-and-digit alphabet.
const KUSTOMIZE_HASH = /^[bcdfghkmt2-9]{10}$/;
// Chart-made suffixes (`sha256sum | trunc 8`, random-looking ids): letters and digits mixed.
const MIXED_HASH = /^(?=[a-z0-9]*\d)(?=[a-z0-9]*[a-z])[a-z0-9]{5,16}$/;

/** The name without a generator hash suffix, or null when it has none. */
export function hashStem(name: string): string | null {
  const dash = name.lastIndexOf('-');
  if (dash <= 0) return null;
  const suffix = name.slice(dash + 1);
  return KUSTOMIZE_HASH.test(suffix) || MIXED_HASH.test(suffix) ? name.slice(0, dash) : null;
}

/**
 * Pairs base and head objects by identity; then an unmatched base object and an
 * unmatched head object of the same kind and namespace whose names differ only in
 * a hash suffix become one pair (a replace), when that match is unambiguous; so do
 * an object that moves to another namespace under the same name (see pairMoves).
 * Pairs come in head order, deletions after.
 */
export function pairResources(base: Resource[], head: Resource[]): ResourcePair[] {
  const baseByKey = new Map(base.map((r) => [resourceKey(r), r]));
  const pairs: ResourcePair[] = [];
  const unmatchedHead: ResourcePair[] = [];
  for (const r of head) {
    const key = resourceKey(r);
    const match = baseByKey.get(key);
    if (match) baseByKey.delete(key);
    const pair = { base: match ?? null, head: r };
    pairs.push(pair);
    if (!match) unmatchedHead.push(pair);
  }
  const stemKey = (r: Resource, stem: string) => `${apiGroup(r.apiVersion)}|${r.kind}|${r.namespace ?? ''}|${stem}`;
  const deletedByStem = groupByStem([...baseByKey.values()], stemKey);
  const createdByStem = groupByStem(unmatchedHead.map((p) => p.head!), stemKey);
  const pairByHead = new Map(unmatchedHead.map((p) => [p.head!, p]));
  const replaced = new Set<Resource>();
  for (const [stem, created] of createdByStem) {
    const deleted = deletedByStem.get(stem);
    if (created.length !== 1 || deleted?.length !== 1) continue;
    pairByHead.get(created[0]!)!.base = deleted[0]!;
    replaced.add(deleted[0]!);
  }
  pairMoves([...baseByKey.values()].filter((r) => !replaced.has(r)), unmatchedHead.filter((p) => p.base === null), replaced);
  for (const r of baseByKey.values()) if (!replaced.has(r)) pairs.push({ base: r, head: null });
  return pairs;
}

/**
 * An object of the same group, kind and name that leaves one namespace and
 * appears in another is one move, when exactly one left and one appeared:
 * with two candidates either way nothing says which went where.
 */
function pairMoves(deleted: Resource[], created: ResourcePair[], paired: Set<Resource>): void {
  const byName = (r: Resource) => `${apiGroup(r.apiVersion)}|${r.kind}|${r.name}`;
  const gone = groupBy(deleted.filter((r) => r.namespace !== null), byName);
  const come = groupBy(created.filter((p) => p.head!.namespace !== null), (p) => byName(p.head!));
  for (const [key, arrivals] of come) {
    const departures = gone.get(key);
    if (arrivals.length !== 1 || departures?.length !== 1) continue;
    arrivals[0]!.base = departures[0]!;
    paired.add(departures[0]!);
  }
}

function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

function groupByStem(resources: Resource[], key: (r: Resource, stem: string) => string): Map<string, Resource[]> {
  const stemmed = resources.flatMap((r) => {
    const stem = hashStem(r.name);
    return stem === null ? [] : [{ r, k: key(r, stem) }];
  });
  const groups = groupBy(stemmed, (s) => s.k);
  return new Map([...groups].map(([k, items]) => [k, items.map((s) => s.r)]));
}
