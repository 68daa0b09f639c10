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
}

/**
 * The prefix and suffix (up to a "-" boundary) shared by all of a target's changed names. One name
 * alone tells nothing of what is shared: then a segment of the target's path that the name starts or
 * ends with ("dev-config" in overlays/dev) is taken as the affix.
 */
export function nameAffixes(names: string[], path = ''): { prefix: string; suffix: string } {
  const distinct = [...new Set(names)];
  if (distinct.length < 2) {
    const segments = path.split('/').filter(Boolean);
    const name = distinct[0] ?? '';
    const prefix = segments.find((s) => name.startsWith(`${s}-`) && name.length > s.length + 1);
    const suffix = segments.find((s) => name.endsWith(`-${s}`) && name.length > s.length + 1 + (prefix ? prefix.length + 1 : 0));
    return { prefix: prefix ? `${prefix}-` : '', suffix: suffix ? `-${suffix}` : '' };
  }
  const shortest = Math.min(...distinct.map((n) => n.length));
  let p = 0;
  while (p < shortest && distinct.every((n) => n[p] === distinct[0]![p])) p++;
  let s = 0;
  while (s < shortest - p && distinct.every((n) => n[n.length - 1 - s] === distinct[0]![distinct[0]!.length - 1 - s])) s++;
  const first = distinct[0]!;
  const prefix = first.slice(0, first.lastIndexOf('-', p - 1) + 1);
  const tail = first.slice(first.length - s);
  const cut = tail.indexOf('-');
  const suffix = cut < 0 ? '' : tail.slice(cut);
  return { prefix, suffix };
}

interface Abstraction {
  name: string;
  namespace: string | null;
  prefix: string;
  suffix: string;
}

/** A name with the target's prefix and suffix taken off, when it has both. */
function stem(name: string, a: Pick<Abstraction, 'prefix' | 'suffix'>): string {
  if (!a.prefix && !a.suffix) return name;
  if (!name.startsWith(a.prefix) || !name.endsWith(a.suffix) || name.length <= a.prefix.length + a.suffix.length) return name;
  return name.slice(a.prefix.length, name.length - a.suffix.length);
}

/** A value with the target's own names replaced by placeholders: equal across targets when only the names differ. */
function abstracted(value: JsonValue, a: Abstraction): JsonValue {
  if (typeof value === 'string') {
    if (value === a.name) return '\u0000name';
    if (a.namespace && value === a.namespace) return '\u0000namespace';
    const s = stem(value, a);
    let text = s === value ? value : `\u0000affix:${s}`;
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
  const bySignature = new Map<string, MatrixGroup>();
  const groups: MatrixGroup[] = [];
  const groupOf = new Map<Change, MatrixGroup>();
  const rows = new Map<string, MatrixRow>();
  for (const target of changed) {
    const affixes = nameAffixes(target.changes.map((c) => c.name), target.path);
    for (const change of target.changes) {
      const a = { ...affixes, name: change.name, namespace: change.namespace };
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
      // Two objects of one base name in a target (two namespaces): the row keeps the first.
      if (!row.cells.has(target.name)) row.cells.set(target.name, { action: change.action, group: group.id, change });
    }
  }
  for (const row of rows.values()) row.differs = new Set([...row.cells.values()].map((c) => c.group)).size > 1;
  return { targets: changed.map((t) => t.name), rows: [...rows.values()], groups, groupOf };
}
