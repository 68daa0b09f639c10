// The comment's image summary, at the top: every container image the merge moves,
// old → new, the semver direction, and the workloads and targets it reaches.
import type { Direction, ImageMove } from '../core/image-summary.js';
import { plural } from '../core/plural.js';
import { code, escapeText } from './markdown-text.js';

const MAX_ROWS = 20;
const MAX_NAMES = 3;
const DIRECTION: Record<Direction, string> = {
  upgrade: '⬆️ upgrade',
  downgrade: '⬇️ downgrade',
  'same tag': '🔁 same tag, new digest',
  changed: '↔️ changed',
  added: '➕ added',
  removed: '➖ removed',
};

const names = (items: string[]) => `${items.slice(0, MAX_NAMES).map(escapeText).join('<br>')}${items.length > MAX_NAMES ? `<br>and ${items.length - MAX_NAMES} more` : ''}`;

/** The section, or '' when no image moves. */
export function imagesSection(moves: ImageMove[]): string {
  if (!moves.length) return '';
  // Downgrades first: they are the surprise a reviewer must not miss.
  const order: Direction[] = ['downgrade', 'changed', 'same tag', 'upgrade', 'added', 'removed'];
  const sorted = [...moves].sort((a, b) => order.indexOf(a.direction) - order.indexOf(b.direction));
  const lines = ['', `### Images (${moves.length})`, '', '| Image | From | To | Direction | Workloads | Targets |', '| --- | --- | --- | --- | --- | --- |'];
  for (const m of sorted.slice(0, MAX_ROWS)) {
    const ref = (image: string | null) => (image === null ? '—' : code(image.slice(m.repository.length) || image));
    lines.push(`| ${code(m.repository)} | ${ref(m.from)} | ${ref(m.to)} | ${DIRECTION[m.direction]} | ${names(m.workloads)} | ${names(m.targets)} |`);
  }
  if (sorted.length > MAX_ROWS) lines.push('', `_…and ${plural(sorted.length - MAX_ROWS, 'more image change')}: see \`--format json\`._`);
  return lines.join('\n');
}
