// The field names a schema declares, as one tree both sources (built-in
// models, CRD schemas) answer to, and the one walker that finds the fields an
// object sets that the schema does not declare: what the API server's strict
// field validation rejects as `unknown field`.
import { distance } from 'fastest-levenshtein';
import { isObject, type JsonValue } from '../resource.js';
import { dottedPath, type PathSegment } from './path.js';

export type FieldTree =
  /** Anything goes below (a RawExtension, preserved unknown fields). */
  | { kind: 'any' }
  /** A scalar: its type is the validator's business; `format` as the schema gives it (int32…). */
  | { kind: 'leaf'; format?: string }
  | { kind: 'list'; item: () => FieldTree }
  | { kind: 'map'; value: () => FieldTree }
  /** A struct: the names it declares; `open` when it keeps unknown fields too. */
  | { kind: 'struct'; field: (name: string) => FieldTree | undefined; names: () => readonly string[]; open?: boolean };

export const ANY: FieldTree = { kind: 'any' };
export const LEAF: FieldTree = { kind: 'leaf' };

export interface UnknownField {
  path: string;
  /** A declared sibling the name is a likely typo of. */
  suggestion?: string;
  /** The typo search ran out of budget before this field: it may be a typo all the same. */
  unsearched?: true;
}

const letters = (s: string) => [...s.toLowerCase()].sort().join('');

/** Work the typo search of one object may do, in pairs of characters compared. */
export const TYPO_BUDGET = 1_000_000;

/**
 * The declared name `name` most likely misspells: the same in another case, one
 * edit away, or two (on a short name only two letters swapped). Names whose
 * lengths differ by more than two are never that close; each comparison is paid
 * from `budget`, so thousands of long hostile names cost no more than a few.
 */
export function typoOf(name: string, names: readonly string[], budget = { left: TYPO_BUDGET }): string | undefined {
  const lower = name.toLowerCase();
  let best: { name: string; distance: number } | undefined;
  for (const candidate of names) {
    if (Math.abs(candidate.length - name.length) > 2) continue;
    budget.left -= name.length * candidate.length;
    if (budget.left < 0) return undefined;
    const d = candidate.toLowerCase() === lower ? 0 : distance(name, candidate);
    const close = d <= 1 || (d === 2 && (name.length > 4 || letters(name) === letters(candidate)));
    if (close && (!best || d < best.distance)) best = { name: candidate, distance: d };
  }
  return best?.name;
}

/** The node a path leads to, if the tree declares it. */
export function nodeAt(tree: FieldTree, segments: readonly PathSegment[]): FieldTree | undefined {
  let at: FieldTree | undefined = tree;
  for (const s of segments) {
    if (!at) return undefined;
    if (at.kind === 'list' && typeof s === 'number') at = at.item();
    else if (at.kind === 'map' && typeof s === 'string') at = at.value();
    else if (at.kind === 'struct' && typeof s === 'string') at = at.field(s);
    else return undefined;
  }
  return at;
}

/** Every field of `value` that `tree` does not declare, depth first, in document order. */
export function unknownFields(value: JsonValue, tree: FieldTree, path: PathSegment[] = []): UnknownField[] {
  const found: UnknownField[] = [];
  const budget = { left: TYPO_BUDGET };
  const walk = (v: JsonValue, t: FieldTree, at: PathSegment[]): void => {
    if (t.kind === 'list' && Array.isArray(v)) {
      const item = t.item();
      v.forEach((x, i) => walk(x, item, [...at, i]));
    } else if (t.kind === 'map' && isObject(v)) {
      const inner = t.value();
      for (const [key, x] of Object.entries(v)) walk(x, inner, [...at, key]);
    } else if (t.kind === 'struct' && isObject(v)) {
      for (const [key, x] of Object.entries(v)) {
        const child = t.field(key);
        if (child) walk(x, child, [...at, key]);
        else if (!t.open) {
          const suggestion = typoOf(key, t.names(), budget);
          found.push({ path: dottedPath([...at, key]), ...(suggestion ? { suggestion } : budget.left < 0 ? { unsearched: true as const } : {}) });
        }
      }
    }
    // Shape mismatches (a string where a struct belongs) are type errors: the validator reports them.
  };
  walk(value, tree, path);
  return found;
}
