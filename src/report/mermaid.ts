// The blast radius as Mermaid flowchart text (GitHub and GitLab draw it from a
// ```mermaid block). Object names come from merge requests and are hostile: they
// only ever appear inside quoted labels, every character outside a small safe set
// written as a Mermaid entity code (#60; for "<"), so a name can neither end its
// label nor add a node, an edge, a click handler or HTML. Node ids are our own.
import { componentsOf } from '../core/blast-radius.js';
import type { BlastNode, BlastRadius, ImpactType, NodeAction, Relation } from '../core/model.js';
import { plural } from '../core/plural.js';
import { visible } from './markdown-text.js';

/** One target's graph, named. */
export interface DiagramTarget {
  name: string;
  graph: BlastRadius;
}

/** Nodes one diagram shows: past this, a picture stops being readable. */
export const MAX_DIAGRAM_NODES = 40;

// ":" and "#" and ";" are outside the set: Mermaid reads "#…;" as an entity and rewrites "style…:…#…;" lines.
const SAFE = /^[A-Za-z0-9 ._/-]$/u;

/** Text for inside a quoted Mermaid label: control characters as spaces, invisible ones written out, everything unsafe as an entity code. */
export function mermaidText(text: string): string {
  return [...visible(text.replace(/[\u0000-\u001F\u007F]/g, ' '))].map((c) => (SAFE.test(c) ? c : `#${c.codePointAt(0)};`)).join('');
}

const ACTION_STYLE: Record<NodeAction, string> = {
  create: 'fill:#dafbe1,stroke:#1a7f37,color:#0b3d1a',
  update: 'fill:#ddf4ff,stroke:#0969da,color:#0a3069',
  replace: 'fill:#fff8c5,stroke:#9a6700,color:#4d2d00',
  delete: 'fill:#ffebe9,stroke:#cf222e,color:#5c0c10',
  unchanged: 'fill:#f6f8fa,stroke:#8c959f,color:#24292f',
};

// Impacts draw the border: the worst ones thick and red, a rollout dashed.
const IMPACT_STYLE: Record<ImpactType, string> = {
  'data-loss': 'stroke:#a40e26,stroke-width:4px',
  downtime: 'stroke:#cf222e,stroke-width:4px',
  exposure: 'stroke:#8250df,stroke-width:3px',
  recreate: 'stroke:#bc4c00,stroke-width:3px',
  rollout: 'stroke:#0969da,stroke-width:2px,stroke-dasharray:4 2',
  'not-rolled-out': 'stroke:#9a6700,stroke-width:2px,stroke-dasharray:2 2',
};

/** Class names are ours: an impact type without its dash. */
const impactClass = (impact: ImpactType) => impact.replace(/-/g, '');

const RELATION_WORD: Record<Relation, string> = {
  env: 'env',
  envFrom: 'envFrom',
  volume: 'volume',
  selects: 'selects',
  routes: 'routes',
  protects: 'PDB',
  scales: 'HPA',
};

/** Kind, namespace/name and, for a changed object, its action and worst impact: one line each. */
function label(node: BlastNode): string {
  const name = `${node.namespace ? `${node.namespace}/` : ''}${node.name}`;
  const state = node.action === 'unchanged' ? [] : [`${node.action}${node.impact ? ` · ${node.impact}` : ''}`];
  return `"${[node.kind, name, ...state].map(mermaidText).join('<br>')}"`;
}

/**
 * A `flowchart LR` of several targets' graphs: connected components largest first
 * (across targets), at most `maxNodes` nodes, the rest counted in one "and N more"
 * node. Each target is a subgraph when there are several.
 */
export function mermaidFlowchart(targets: DiagramTarget[], maxNodes = MAX_DIAGRAM_NODES): string {
  const components = targets
    .flatMap((target, t) => componentsOf(target.graph).map((component) => ({ t, component })))
    .sort((a, b) => b.component.nodes.length - a.component.nodes.length);
  // Nodes the graphs themselves left out are counted with those the picture leaves out.
  const total = components.reduce((n, c) => n + c.component.nodes.length, 0) + targets.reduce((n, t) => n + t.graph.omitted, 0);
  // Diagram ids: "n<index>" in drawing order, so graphs of several targets never collide.
  const ids = new Map<BlastNode, string>();
  const shown = new Map<number, BlastNode[]>();
  const lines = ['flowchart LR'];
  const edges: string[] = [];
  for (const { t, component } of components) {
    const room = maxNodes - ids.size;
    if (room <= 0) break;
    const nodes = component.nodes.slice(0, room);
    for (const node of nodes) ids.set(node, `n${ids.size}`);
    shown.set(t, [...(shown.get(t) ?? []), ...nodes]);
    const byId = new Map(nodes.map((n) => [n.id, n]));
    for (const edge of component.edges) {
      const [from, to] = [byId.get(edge.from), byId.get(edge.to)];
      if (from && to) edges.push(`  ${ids.get(from)} -->|${edge.via.map((v) => RELATION_WORD[v]).join(', ')}| ${ids.get(to)}`);
    }
  }
  const grouped = targets.length > 1;
  for (const [t, nodes] of [...shown].sort(([a], [b]) => a - b)) {
    if (grouped) lines.push(`  subgraph t${t}["${mermaidText(targets[t]!.name)}"]`);
    for (const node of nodes) lines.push(`${grouped ? '    ' : '  '}${ids.get(node)}[${label(node)}]`);
    if (grouped) lines.push('  end');
  }
  lines.push(...edges);
  if (total > ids.size) lines.push(`  more["and ${plural(total - ids.size, 'more object')}"]`, '  class more omitted');
  const classes = new Map<string, string[]>();
  for (const [node, id] of ids) {
    for (const name of [node.action, ...(node.impact ? [impactClass(node.impact)] : [])]) {
      const members = classes.get(name);
      if (members) members.push(id);
      else classes.set(name, [id]);
    }
  }
  for (const [name, members] of classes) lines.push(`  class ${members.join(',')} ${name}`);
  for (const [action, style] of Object.entries(ACTION_STYLE)) if (classes.has(action)) lines.push(`  classDef ${action} ${style}`);
  for (const [impact, style] of Object.entries(IMPACT_STYLE) as Array<[ImpactType, string]>) {
    if (classes.has(impactClass(impact))) lines.push(`  classDef ${impactClass(impact)} ${style}`);
  }
  if (total > ids.size) lines.push('  classDef omitted fill:#ffffff,stroke:#8c959f,stroke-dasharray:3 3,color:#57606a');
  return `${lines.join('\n')}\n`;
}
