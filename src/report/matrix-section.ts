// The comment's environment matrix: which objects change in which targets, as a
// table whose cells link to the diff, and each change made in several targets
// listed once ("same in 3 targets: dev, staging, prod").
import { isShared, type EnvironmentMatrix, type MatrixGroup, type MatrixRow } from '../core/matrix.js';
import type { Action, Change } from '../core/model.js';
import { plural } from '../core/plural.js';
import { code, escapeText } from './markdown-text.js';

export const ACTION_ICON: Record<Action, string> = { create: '➕', update: '✏️', replace: '♻️', delete: '🗑️' };
/** Past this many targets the table lists, per object, each distinct change and how many targets make it. */
const MAX_COLUMNS = 8;
const MAX_ROWS = 40;
const MAX_NAMES = 6;

/** The anchor of a shared group's entry; cells and target sections link to it. */
export const groupAnchor = (group: { id: string }) => `safe-deploy-${group.id}`;

/** "dev, staging, prod" — at most MAX_NAMES, then "and N more". */
export function targetNames(names: string[]): string {
  const shown = names.slice(0, MAX_NAMES).map(code).join(', ');
  return names.length > MAX_NAMES ? `${shown} and ${names.length - MAX_NAMES} more` : shown;
}

/** "· same in 3 targets: dev, staging, prod", after a shared change's title. */
export function sameInLine(group: MatrixGroup): string {
  const targets = [...new Set(group.members.map((m) => m.target))];
  return `<a id="${groupAnchor(group)}"></a>Same in ${plural(targets.length, 'target')}: ${targetNames(targets)}${group.members.length > targets.length ? ` (${plural(group.members.length, 'object')})` : ''}; shown for ${code(group.members[0]!.target)}.`;
}

function cell(shared: Set<string>, groupId: string, action: Action): string {
  return shared.has(groupId) ? `[${ACTION_ICON[action]}](#${groupAnchor({ id: groupId })})` : ACTION_ICON[action];
}

function rowName(row: MatrixRow): string {
  return `${code(`${row.kind} ${row.baseName}`)}${row.differs ? ' ⚠️ differs' : ''}`;
}

/** One row per object, one column per target. */
function grid(matrix: EnvironmentMatrix, rows: MatrixRow[], shared: Set<string>): string[] {
  const header = `| Object | ${matrix.targets.map((t) => code(t)).join(' | ')} |`;
  const lines = [header, `| --- |${matrix.targets.map(() => ' :---: |').join('')}`];
  for (const row of rows) {
    const cells = matrix.targets.map((t) => {
      const c = row.cells.get(t);
      return c ? cell(shared, c.group, c.action) : '';
    });
    lines.push(`| ${rowName(row)} | ${cells.join(' | ')} |`);
  }
  return lines;
}

/** Too many targets for columns: per object, each distinct change and the targets that make it. */
function byChange(matrix: EnvironmentMatrix, rows: MatrixRow[], shared: Set<string>): string[] {
  const lines = ['| Object | Change in targets |', '| --- | --- |'];
  for (const row of rows) {
    const byGroup = new Map<string, string[]>();
    for (const [target, c] of row.cells) byGroup.set(c.group, [...(byGroup.get(c.group) ?? []), target]);
    const parts = [...byGroup].map(([id, targets]) => {
      const action = row.cells.get(targets[0]!)!.action;
      return `${cell(shared, id, action)} ${targets.length === matrix.targets.length ? 'all' : targets.length > 2 ? plural(targets.length, 'target') : targets.map(code).join(', ')}`;
    });
    lines.push(`| ${rowName(row)} | ${parts.join(' · ')} |`);
  }
  return lines;
}

/** The table, when some change is made in more than one target; '' otherwise. */
export function matrixTable(matrix: EnvironmentMatrix): string {
  const shared = new Set(matrix.groups.filter(isShared).map((g) => g.id));
  if (matrix.targets.length < 2 || !shared.size) return '';
  // Objects that differ between targets first: that is what a reviewer looks for.
  const rows = [...matrix.rows].sort((a, b) => Number(b.differs) - Number(a.differs));
  const shown = rows.slice(0, MAX_ROWS);
  const table = matrix.targets.length <= MAX_COLUMNS ? grid(matrix, shown, shared) : byChange(matrix, shown, shared);
  const more = rows.length > shown.length ? ['', `_…and ${plural(rows.length - shown.length, 'more object')}._`] : [];
  const differing = rows.filter((r) => r.differs).length;
  const summary = `<details open><summary><b>Environment matrix</b> · ${plural(rows.length, 'object')} in ${plural(matrix.targets.length, 'target')}${differing ? ` · ${differing} ${differing === 1 ? 'differs' : 'differ'} between targets` : ''}</summary>`;
  return ['', summary, '', ...table, ...more, '', '</details>'].join('\n');
}

/** The line in a target's section that stands for its changes listed once above. */
export function sharedLine(matrix: EnvironmentMatrix, changes: Change[]): string[] {
  if (!changes.length) return [];
  const names = changes.slice(0, MAX_NAMES).map((c) => `[${escapeText(`${c.kind} ${c.name}`)}](#${groupAnchor(matrix.groupOf.get(c)!)})`);
  const more = changes.length > MAX_NAMES ? ` and ${changes.length - MAX_NAMES} more` : '';
  return ['', `_${plural(changes.length, 'change')} the same as in other targets, shown once above: ${names.join(', ')}${more}._`];
}
