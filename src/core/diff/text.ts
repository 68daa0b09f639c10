import { structuredPatch } from 'diff';
import { stringify } from 'yaml';
import { isObject, type JsonObject, type JsonValue } from '../resource.js';
import { mergeKeyFor } from './merge-keys.js';

const CONTEXT_LINES = 3;

/**
 * The head value with its map keys and keyed list items put in the base's order
 * (new ones after), so that reordering alone never shows up as text changes.
 */
export function alignTo(base: JsonValue | undefined, head: JsonValue, field = ''): JsonValue {
  if (isObject(base) && isObject(head)) {
    const out: JsonObject = {};
    for (const key of Object.keys(base)) if (key in head) out[key] = alignTo(base[key], head[key]!, key);
    for (const key of Object.keys(head)) if (!(key in base)) out[key] = head[key]!;
    return out;
  }
  if (Array.isArray(base) && Array.isArray(head)) {
    const key = head.some(isObject) ? mergeKeyFor(field, base, head) : null;
    if (key === null) return head.map((item, i) => alignTo(base[i], item, field));
    const byKey = new Map((head as JsonObject[]).map((item) => [String(item[key]), item]));
    const ordered: JsonValue[] = [];
    for (const item of base as JsonObject[]) {
      const match = byKey.get(String(item[key]));
      if (match) {
        ordered.push(alignTo(item, match, field));
        byKey.delete(String(item[key]));
      }
    }
    return ordered.concat([...byKey.values()]);
  }
  return head;
}

/** YAML for diffs: no line folding, multi-line strings as literal blocks so they diff line by line. */
export function toYaml(object: JsonObject): string {
  return stringify(object, { lineWidth: 0, blockQuote: 'literal', aliasDuplicateObjects: false });
}

/**
 * Unified diff (with `---`/`+++` headers and a few lines of context) between two
 * YAML texts; null stands for an absent object (create or delete).
 */
export function unifiedDiff(label: string, before: string | null, after: string | null): string {
  const patch = structuredPatch(
    before === null ? '/dev/null' : `a/${label}`,
    after === null ? '/dev/null' : `b/${label}`,
    before ?? '',
    after ?? '',
    undefined,
    undefined,
    { context: CONTEXT_LINES },
  );
  const lines = [`--- ${patch.oldFileName}`, `+++ ${patch.newFileName}`];
  for (const hunk of patch.hunks) {
    // An empty side starts at line 0, as GNU diff writes it.
    const start = (at: number, count: number) => (count === 0 ? Math.max(0, at - 1) : at);
    lines.push(`@@ -${start(hunk.oldStart, hunk.oldLines)},${hunk.oldLines} +${start(hunk.newStart, hunk.newLines)},${hunk.newLines} @@`);
    for (const line of hunk.lines) if (!line.startsWith('\\')) lines.push(line);
  }
  return lines.join('\n');
}
