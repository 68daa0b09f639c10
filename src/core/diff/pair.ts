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
 * a hash suffix become one pair (a replace), when that match is unambiguous.
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
  for (const r of baseByKey.values()) if (!replaced.has(r)) pairs.push({ base: r, head: null });
  return pairs;
}

function groupByStem(resources: Resource[], key: (r: Resource, stem: string) => string): Map<string, Resource[]> {
  const groups = new Map<string, Resource[]>();
  for (const r of resources) {
    const stem = hashStem(r.name);
    if (stem === null) continue;
    const k = key(r, stem);
    const group = groups.get(k);
    if (group) group.push(r);
    else groups.set(k, [r]);
  }
  return groups;
}
