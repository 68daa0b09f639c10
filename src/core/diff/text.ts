import { structuredPatch } from 'diff';
import { isObject, type JsonObject, type JsonValue } from '../resource.js';
import { mergeKeyFor } from './merge-keys.js';
import { emitYaml } from './yaml-emit.js';
import { plural } from '../plural.js';

const CONTEXT_LINES = 3;

/**
 * The head value with its map keys put in the base's order (new ones after), so
 * that key order alone never shows up as text changes. Keyed list items stay in
 * the head's order: their order is part of what apply writes.
 */
export function alignTo(base: JsonValue | undefined, head: JsonValue, field = ''): JsonValue {
  if (isObject(base) && isObject(head)) {
    const out: JsonObject = {};
    let same = true;
    const headKeys = Object.keys(head);
    let position = 0;
    for (const key of Object.keys(base)) {
      if (!(key in head)) continue;
      const aligned = alignTo(base[key], head[key]!, key);
      // Unchanged shape and order: the head object itself serves, no copy.
      if (aligned !== head[key] || headKeys[position++] !== key) same = false;
      out[key] = aligned;
    }
    for (const key of headKeys) if (!(key in base)) out[key] = head[key]!;
    return same ? head : out;
  }
  if (Array.isArray(base) && Array.isArray(head)) {
    const key = head.some(isObject) ? mergeKeyFor(field, base, head) : null;
    if (key === null) {
      const aligned = head.map((item, i) => alignTo(base[i], item, field));
      return aligned.every((item, i) => item === head[i]) ? head : aligned;
    }
    // Items keep the head's order (a new order is a change); each is aligned to its base item.
    const byKey = new Map((base as JsonObject[]).map((item) => [String(item[key]), item]));
    const aligned = (head as JsonObject[]).map((item) => alignTo(byKey.get(String(item[key])), item, field));
    return aligned.every((item, i) => item === head[i]) ? head : aligned;
  }
  return head;
}

/** YAML for diffs: no line folding, multi-line strings as literal blocks so they diff line by line. */
export function toYaml(object: JsonObject): string {
  return emitYaml(object);
}

/**
 * The line diff (Myers) costs about the edit length times the lines, so two
 * texts are diffed line by line only while that stays small: when the smaller
 * side times both sides is within MAX_DIFF_WORK (an insertion into a few lines),
 * or else up to MAX_EDIT_LINES lines removed plus added. Beyond, a few hundred
 * milliseconds become minutes.
 */
export const MAX_EDIT_LINES = 2000;
const MAX_DIFF_WORK = 2_000_000;
const MAX_LISTED_PATHS = 20;


/**
 * Unified diff (with `---`/`+++` headers and a few lines of context) between two
 * YAML texts; null stands for an absent object (create or delete). Lines the
 * two texts share at the start and the end, beyond the context, are set aside
 * before the line diff runs: objects change in a few places, and the diff then
 * only works on those. Texts too different to diff within the bounds above get
 * a summary instead of hunks, as `#` lines that patch tools skip: how many
 * lines differ, and the changed field paths.
 */
export function unifiedDiff(label: string, before: string | null, after: string | null, changedPaths: () => string[] = () => []): string {
  const [a, b] = [before ?? '', after ?? ''];
  const [aLines, bLines] = [a.split('\n'), b.split('\n')];
  let prefix = 0;
  while (prefix < aLines.length - 1 && prefix < bLines.length - 1 && aLines[prefix] === bLines[prefix]) prefix++;
  let suffix = 0;
  while (suffix < aLines.length - prefix - 1 && suffix < bLines.length - prefix - 1 && aLines[aLines.length - 2 - suffix] === bLines[bLines.length - 2 - suffix]) suffix++;
  const skipStart = Math.max(0, prefix - CONTEXT_LINES);
  const skipEnd = Math.max(0, suffix - CONTEXT_LINES);
  const middle = (lines: string[]) => `${lines.slice(skipStart, lines.length - 1 - skipEnd).join('\n')}\n`;
  const [removed, added] = [aLines.length - 1 - prefix - suffix, bLines.length - 1 - prefix - suffix];
  const cheap = Math.min(removed, added) * (removed + added) <= MAX_DIFF_WORK;
  const headers = [`--- ${before === null ? '/dev/null' : `a/${label}`}`, `+++ ${after === null ? '/dev/null' : `b/${label}`}`];
  const patch = structuredPatch(
    before === null ? '/dev/null' : `a/${label}`,
    after === null ? '/dev/null' : `b/${label}`,
    before === null ? '' : middle(aLines),
    after === null ? '' : middle(bLines),
    undefined,
    undefined,
    { context: CONTEXT_LINES, ...(cheap ? {} : { maxEditLength: MAX_EDIT_LINES }) },
  );
  if (!patch) {
    const paths = changedPaths();
    return [
      ...headers,
      `# Too different to diff line by line: ${plural(removed, 'line')} removed and ${added} added, from line ${prefix + 1}.${paths.length ? ' Changed fields:' : ''}`,
      ...paths.slice(0, MAX_LISTED_PATHS).map((path) => `#   ${path}`),
      ...(paths.length > MAX_LISTED_PATHS ? [`#   … and ${paths.length - MAX_LISTED_PATHS} more`] : []),
    ].join('\n');
  }
  const lines = headers;
  for (const hunk of patch.hunks) {
    // An empty side starts at line 0, as GNU diff writes it; the lines set aside shift the rest.
    const start = (at: number, count: number) => (count === 0 ? Math.max(0, at - 1) : at + skipStart);
    lines.push(`@@ -${start(hunk.oldStart, hunk.oldLines)},${hunk.oldLines} +${start(hunk.newStart, hunk.newLines)},${hunk.newLines} @@`);
    for (const line of hunk.lines) if (!line.startsWith('\\')) lines.push(line);
  }
  return lines.join('\n');
}
