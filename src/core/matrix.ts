// The environment matrix: one change made in several targets (overlays of one
// base, one chart in several environments, a shared component under many
// overlays) is one change to review. Changes are "the same" when action, kind and
// every field change are equal once each object's own names are abstracted: its
// name and namespace, and the prefix and suffix its target adds to every name (a
// kustomize namePrefix/nameSuffix), wherever they appear in values. The table's
// rows are objects by base identity: kind and name without the target's affixes.
import type { Action, Change, FieldChange, TargetResult } from './model.js';
import type { JsonValue } from './resource.js';

/** Changes that are the same in several targets. */
export interface MatrixGroup {
  /** Stable within a review: "g1", "g2"… in order of first appearance. */
  id: string;
  action: Action;
  kind: string;
  /** Every change of the group, in target order (one object or several); the first is the one shown. */
  members: Array<{ target: string; change: Change }>;
}

/** One changed object (by base identity) and what each target does to it. */
export interface MatrixRow {
  kind: string;
  baseName: string;
  /** By target name; a target absent from the map does not change the object. */
  cells: Map<string, { action: Action; group: string; change: Change }>;
  /** The targets do not all make the same change (a value differs, or the action). */
  differs: boolean;
}

export interface EnvironmentMatrix {
  /** The targets that have changes, in review order: the columns. */
  targets: string[];
  rows: MatrixRow[];
  groups: MatrixGroup[];
  /** The group of each change. */
  groupOf: Map<Change, MatrixGroup>;
  /** The row of each change: one object by base identity, whichever targets change it. */
  rowOf: Map<Change, MatrixRow>;
}

/** A group made by more than one target: told once for all of them. */
export function isShared(group: MatrixGroup): boolean {
  return new Set(group.members.map((m) => m.target)).size > 1;
}

/** What a target adds before and after every name it renders. */
export interface Affixes {
  prefix: string;
  suffix: string;
}

/** Kinds whose names kustomize's namePrefix/nameSuffix leave as they are: they tell nothing of a target's affixes. */
const UNAFFIXED_KINDS = new Set(['Namespace', 'CustomResourceDefinition', 'APIService']);

/** Affixes longer than this many "-" segments are not looked for: a hostile name of 120 dashes must not cost 120² candidates. */
const MAX_AFFIX_SEGMENTS = 4;

/** The affix candidates at "-" boundaries that every one of `names` has, '' first: ["", "prod-", "prod-eu-"] for prod-eu-web and prod-eu-db. */
function sharedAffixes(names: string[], side: 'prefix' | 'suffix'): string[] {
  const first = names[0] ?? '';
  const found = [''];
  const next = (from: number) => (side === 'prefix' ? first.indexOf('-', from + 1) : first.lastIndexOf('-', from - 1));
  for (let i = next(side === 'prefix' ? -1 : first.length); i >= 0 && found.length <= MAX_AFFIX_SEGMENTS; i = next(i)) {
    const affix = side === 'prefix' ? first.slice(0, i + 1) : first.slice(i);
    // Something must be left of every name.
    const has = (n: string) => n.length > affix.length && (side === 'prefix' ? n.startsWith(affix) : n.endsWith(affix));
    if (!names.every(has)) break;
    found.push(affix);
  }
  return found;
}

/** Candidate affixes of one target: '' and what all its names share; one name alone shares only a segment of the target's path. */
function candidates(names: string[], path: string): Affixes[] {
  const segments = new Set(path.split('/').filter(Boolean));
  const single = names.length < 2;
  const keep = (affix: string) => !single || affix === '' || segments.has(affix.replace(/^-|-$/g, ''));
  const prefixes = sharedAffixes(names, 'prefix').filter(keep);
  const suffixes = sharedAffixes(names, 'suffix').filter(keep);
  return prefixes.flatMap((prefix) => suffixes.map((suffix) => ({ prefix, suffix }))).filter(({ prefix, suffix }) => names.every((n) => n.length > prefix.length + suffix.length));
}

/**
 * Each target's name prefix and suffix, told by comparing targets. A target's candidates are '' and
 * the affixes (at "-" boundaries) that all its names share, leaving something of each; with one name,
 * only a segment of the target's path ("prod-" in overlays/prod). It takes the candidate under which
 * most of its names are, bare, a bare name of another target under one of that target's candidates
 * (dev-web in dev, prod-web in prod: both "web"); on a tie, or when nothing is shared, the one that
 * takes off least, so a name is kept whole (app-00-web in every overlay of app-00) unless other
 * targets tell otherwise.
 */
export function targetAffixes(targets: Array<{ path: string; names: string[] }>): Affixes[] {
  const options = targets.map((t) => {
    const names = [...new Set(t.names)];
    return { names, candidates: candidates(names, t.path) };
  });
  // Each stem under any candidate, and the target that has it (-1: several targets).
  const owner = new Map<string, number>();
  options.forEach(({ names, candidates }, index) => {
    for (const { prefix, suffix } of candidates) {
      for (const name of names) {
        const s = name.slice(prefix.length, name.length - suffix.length);
        const seen = owner.get(s);
        owner.set(s, seen === undefined || seen === index ? index : -1);
      }
    }
  });
  return options.map(({ names, candidates }, index) => {
    let best: Affixes = { prefix: '', suffix: '' };
    let bestScore = 0;
    for (const c of candidates) {
      const score = names.filter((n) => {
        const seen = owner.get(n.slice(c.prefix.length, n.length - c.suffix.length));
        return seen !== undefined && seen !== index;
      }).length;
      const shorter = c.prefix.length + c.suffix.length < best.prefix.length + best.suffix.length;
      if (score > bestScore || (score === bestScore && shorter)) [best, bestScore] = [c, score];
    }
    return best;
  });
}

interface Abstraction extends Affixes {
  name: string;
  namespace: string | null;
}

/** A name with the target's prefix and suffix taken off, when it has both. */
function stem(name: string, a: Affixes): string {
  if (!a.prefix && !a.suffix) return name;
  if (!name.startsWith(a.prefix) || !name.endsWith(a.suffix) || name.length <= a.prefix.length + a.suffix.length) return name;
  return name.slice(a.prefix.length, name.length - a.suffix.length);
}

/** A value with the target's own names replaced by placeholders: equal across targets when only the names differ. */
function abstracted(value: JsonValue, a: Abstraction): JsonValue {
  if (typeof value === 'string') {
    if (value === a.name) return '\u0000name';
    if (a.namespace && value === a.namespace) return '\u0000namespace';
    // A name bare: eu-shop-settings in an overlay with namePrefix eu- is shop-settings where no prefix is added.
    let text = stem(value, a);
    if (a.namespace && text.includes(`.${a.namespace}`)) text = text.split(`.${a.namespace}`).join('.\u0000namespace');
    return text;
  }
  if (Array.isArray(value)) return value.map((v) => abstracted(v, a));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, abstracted(v, a)]));
  return value;
}

function signature(change: Change, a: Abstraction): string {
  const fields = change.fields.map((f: FieldChange) => [f.path, abstracted(f.before, a), abstracted(f.after, a), f.reordered ?? false]);
  const whole = change.fields.length === 0 ? abstracted((change.head ?? change.base)?.object ?? null, a) : null;
  return JSON.stringify([change.action, change.apiVersion, change.kind, fields, whole, change.hook?.phases ?? null, change.prune ?? null]);
}

/** Groups the changes of `targets` that are the same in several of them, and the table of objects by target. */
export function environmentMatrix(targets: TargetResult[]): EnvironmentMatrix {
  const changed = targets.filter((t) => t.changes.length > 0);
  const affixes = targetAffixes(changed.map((t) => ({ path: t.path, names: t.changes.filter((c) => !UNAFFIXED_KINDS.has(c.kind)).map((c) => c.name) })));
  const bySignature = new Map<string, MatrixGroup>();
  const groups: MatrixGroup[] = [];
  const groupOf = new Map<Change, MatrixGroup>();
  const rows = new Map<string, MatrixRow>();
  const rowOf = new Map<Change, MatrixRow>();
  changed.forEach((target, index) => {
    for (const change of target.changes) {
      const a = { ...affixes[index]!, name: change.name, namespace: change.namespace };
      const baseName = stem(change.name, a);
      const key = signature(change, a);
      let group = bySignature.get(key);
      if (!group) {
        group = { id: `g${groups.length + 1}`, action: change.action, kind: change.kind, members: [] };
        bySignature.set(key, group);
        groups.push(group);
      }
      group.members.push({ target: target.name, change });
      groupOf.set(change, group);
      const rowKey = JSON.stringify([change.kind, baseName]);
      let row = rows.get(rowKey);
      if (!row) rows.set(rowKey, (row = { kind: change.kind, baseName, cells: new Map(), differs: false }));
      rowOf.set(change, row);
      // Two objects of one base name in a target (two namespaces): the row keeps the first.
      if (!row.cells.has(target.name)) row.cells.set(target.name, { action: change.action, group: group.id, change });
    }
  });
  for (const row of rows.values()) row.differs = new Set([...row.cells.values()].map((c) => c.group)).size > 1;
  return { targets: changed.map((t) => t.name), rows: [...rows.values()], groups, groupOf, rowOf };
}
