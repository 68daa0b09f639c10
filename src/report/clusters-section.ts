// The comment's repeated changes: each field change made the same way on many
// objects, told once in a line, worst impact first.
import type { ChangeCluster } from '../core/clusters.js';
import type { ImpactType } from '../core/model.js';
import { plural } from '../core/plural.js';
import { displayName, type JsonValue } from '../core/resource.js';
import { code, escapeText } from './markdown-text.js';

/** Clusters told in the comment; the rest stay in their objects' entries. */
export const MAX_CLUSTERS = 20;
const MAX_NAMES = 6;
const MAX_VALUE = 60;

const IMPACT: Record<ImpactType, string> = {
  'data-loss': '💥 data loss',
  downtime: '⛔ downtime',
  exposure: '🌐 exposure',
  recreate: '♻️ recreate',
  rollout: '🔄 rollout',
  'not-rolled-out': '⏸️ not rolled out',
};

/** "label `helm.sh/chart`", "pod template annotation `checksum/config`", or the path itself. */
export function fieldLabel(path: string): string {
  const meta = /^(.*?)\.?metadata\.(labels|annotations)(?:\.([A-Za-z_][A-Za-z0-9_-]*)|\[("(?:[^"\\]|\\.)*")\])$/.exec(path);
  if (!meta) return code(path);
  const key = meta[3] ?? (JSON.parse(meta[4]!) as string);
  const kind = meta[2] === 'labels' ? 'label' : 'annotation';
  return `${meta[1] ? 'pod template ' : ''}${kind} ${code(key)}`;
}

function value(v: JsonValue): string {
  if (v !== null && typeof v === 'object') return 'a new value';
  const text = typeof v === 'string' ? v : JSON.stringify(v);
  return code(text.length > MAX_VALUE ? `${text.slice(0, MAX_VALUE - 1)}…` : text);
}

function what(cluster: ChangeCluster): string {
  if (cluster.varied) return 'changed, a digest of its own on each object,';
  if (cluster.before === null) return `added as ${value(cluster.after)}`;
  if (cluster.after === null) return `removed (was ${value(cluster.before)})`;
  if (typeof cluster.before === 'object' || typeof cluster.after === 'object') return 'changed the same way';
  return `${value(cluster.before)} → ${value(cluster.after)}`;
}

function objects(cluster: ChangeCluster): string {
  const kinds = new Map<string, number>();
  for (const { change } of cluster.members) kinds.set(change.kind, (kinds.get(change.kind) ?? 0) + 1);
  const count = cluster.members.length;
  const onWhat = kinds.size === 1 ? escapeText(plural(count, [...kinds.keys()][0]!)) : `${plural(count, 'object')} (${[...kinds].map(([k, n]) => escapeText(plural(n, k))).join(', ')})`;
  const targets = new Set(cluster.members.map((m) => m.target)).size;
  return `on ${onWhat}${targets > 1 ? ` in ${plural(targets, 'target')}` : ''}`;
}

function impact(cluster: ChangeCluster): string {
  if (!cluster.impact) return '';
  const pods = cluster.impact === 'rollout' && cluster.pods ? ` (${plural(cluster.pods, 'pod')})` : '';
  return ` · ${IMPACT[cluster.impact]}${pods}`;
}

function names(cluster: ChangeCluster): string {
  const all = cluster.members.map(({ change }) => code(displayName(change)));
  return `${all.slice(0, MAX_NAMES).join(', ')}${all.length > MAX_NAMES ? ` and ${all.length - MAX_NAMES} more` : ''}`;
}

/** The section, or '' when no field change repeats; `clusters` are those told (at most MAX_CLUSTERS), `total` all found. */
export function clustersSection(clusters: ChangeCluster[], total: number): string {
  if (!clusters.length) return '';
  const lines = ['', `### Repeated changes (${total})`, '', '_Each made the same way on many objects, told once here; the objects below show only the rest of their change._', ''];
  for (const c of clusters) lines.push(`- ${fieldLabel(c.path)} ${what(c)} ${objects(c)}${impact(c)}: ${names(c)}`);
  if (total > clusters.length) lines.push('', `_…and ${plural(total - clusters.length, 'more repeated change')}, shown with ${total - clusters.length === 1 ? 'its' : 'their'} objects._`);
  return lines.join('\n');
}

