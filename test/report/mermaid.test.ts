import { describe, expect, it } from 'vitest';
import type { BlastEdge, BlastNode, BlastRadius } from '../../src/core/model.js';
import { mermaidFlowchart } from '../../src/report/mermaid.js';
import { parseFlowchart } from '../helpers/mermaid.js';

const n = (id: number, kind: string, name: string, action: BlastNode['action'] = 'unchanged', impact?: BlastNode['impact'], namespace: string | null = 'shop'): BlastNode => ({
  id: `n${id}`,
  apiVersion: 'v1',
  kind,
  namespace,
  name,
  action,
  ...(impact ? { impact } : {}),
});
const e = (from: number, to: number, ...via: BlastEdge['via']): BlastEdge => ({ from: `n${from}`, to: `n${to}`, via });

const chain: BlastRadius = {
  nodes: [n(0, 'ConfigMap', 'app-config', 'update', 'not-rolled-out'), n(1, 'Deployment', 'web'), n(2, 'Service', 'web'), n(3, 'Ingress', 'web'), n(4, 'PodDisruptionBudget', 'web')],
  edges: [e(0, 1, 'env', 'volume'), e(1, 2, 'selects'), e(2, 3, 'routes'), e(1, 4, 'protects')],
  omitted: 0,
};

/** A star: one changed ConfigMap used by `size - 1` workloads. */
function star(size: number, prefix: string): BlastRadius {
  const nodes = [n(0, 'ConfigMap', `${prefix}-config`, 'update'), ...Array.from({ length: size - 1 }, (_, i) => n(i + 1, 'Deployment', `${prefix}-${i}`))];
  return { nodes, edges: nodes.slice(1).map((_, i) => e(0, i + 1, 'envFrom')), omitted: 0 };
}

describe('mermaid flowchart', () => {
  it('draws a graph that Mermaid parses: nodes, labelled edges, classes by action and impact', async () => {
    const text = mermaidFlowchart([{ name: 'shop-prod', graph: chain }]);
    expect(text.startsWith('flowchart LR\n')).toBe(true);
    const parsed = await parseFlowchart(text);
    expect([...parsed.nodes].map(([id, node]) => [id, node.text, node.classes])).toEqual([
      ['n0', 'ConfigMap\nshop/app-config\nupdate · not-rolled-out', ['update', 'notrolledout']],
      ['n1', 'Deployment\nshop/web', ['unchanged']],
      ['n2', 'Service\nshop/web', ['unchanged']],
      ['n3', 'Ingress\nshop/web', ['unchanged']],
      ['n4', 'PodDisruptionBudget\nshop/web', ['unchanged']],
    ]);
    expect(parsed.edges).toEqual([
      { from: 'n0', to: 'n1', text: 'env, volume' },
      { from: 'n1', to: 'n2', text: 'selects' },
      { from: 'n2', to: 'n3', text: 'routes' },
      { from: 'n1', to: 'n4', text: 'PDB' },
    ]);
    expect(parsed.subgraphs).toEqual([]);
    expect(text).toMatch(/^ {2}classDef update fill:#ddf4ff/m);
    expect(text).toMatch(/^ {2}classDef notrolledout stroke:/m);
    expect(text).not.toMatch(/classDef (create|delete|replace)/);
  });

  it('puts each target in a subgraph, draws the largest components first and counts what does not fit', async () => {
    const text = mermaidFlowchart(
      [
        { name: 'dev', graph: star(3, 'small') },
        { name: 'prod', graph: { ...star(30, 'big'), nodes: [...star(30, 'big').nodes, n(30, 'Secret', 'lone', 'delete', 'downtime')] } },
      ],
      20,
    );
    const parsed = await parseFlowchart(text);
    // 20 nodes of prod's star (31 nodes with the lone Secret), nothing of dev: 14 more.
    expect(parsed.subgraphs).toEqual([{ id: 't1', title: { text: 'prod', tags: [] }, nodes: Array.from({ length: 20 }, (_, i) => `n${i}`) }]);
    expect(parsed.nodes.get('n0')!.text).toBe('ConfigMap\nshop/big-config\nupdate');
    expect(parsed.nodes.get('more')).toEqual({ text: 'and 14 more objects', tags: [], classes: ['omitted'] });
    expect(parsed.nodes.size).toBe(21);
    expect(parsed.edges).toHaveLength(19);

    const both = await parseFlowchart(mermaidFlowchart([{ name: 'dev', graph: star(3, 'small') }, { name: 'prod', graph: star(5, 'big') }]));
    expect(both.subgraphs.map((s) => [s.id, s.title.text, s.nodes])).toEqual([
      ['t0', 'dev', ['n5', 'n6', 'n7']],
      ['t1', 'prod', ['n0', 'n1', 'n2', 'n3', 'n4']],
    ]);
    expect(both.nodes.has('more')).toBe(false);
  });

  it('keeps hostile names inside their labels: Mermaid parses them as text, with no node, edge, link or HTML of their own', async () => {
    const hostile = [
      'a"] --> evil["x',
      '<script>alert(1)</script>',
      '```mermaid\nclick n0 call alert()',
      'end\nsubgraph x\n%% comment',
      '#quot; #60;b#62; &amp; ; # :::update',
      'style n0 fill:#f00;',
      'back`tick` [brackets] {braces} (parens) |pipe|',
      'bidi\u202Eevil\u200B',
      'emoji 🚀 ünïcödé',
    ];
    const nodes = hostile.map((name, i) => n(i, i % 2 ? 'Secret' : 'ConfigMap', name, 'update', undefined, i === 3 ? 'ns"]-->x' : 'shop'));
    const graph: BlastRadius = { nodes, edges: nodes.slice(1).map((_, i) => e(0, i + 1, 'volume')), omitted: 0 };
    const text = mermaidFlowchart([{ name: 'x"]\n<img src=x onerror=alert(1)>', graph }, { name: 'other', graph: star(2, 'ok') }]);
    // Every line is ours: a name never starts a statement.
    for (const line of text.split('\n').slice(1, -1)) expect(line).toMatch(/^ {2}(subgraph t\d+\[".*"\]|end| {2}n\d+\[".*"\]|n\d+ -->\|[a-zA-Z, ]+\| n\d+|more\[".*"\]|class [\w,]+ \w+|classDef \w+ [\w:#,.\- ]+)$/);
    const parsed = await parseFlowchart(text);
    expect([...parsed.nodes.keys()]).toEqual([...hostile.map((_, i) => `n${i}`), 'n9', 'n10']);
    expect(parsed.edges).toHaveLength(hostile.length - 1 + 1);
    expect(parsed.interactions).toBe(0);
    expect(parsed.subgraphs.map((s) => s.id)).toEqual(['t0', 't1']);
    expect(parsed.subgraphs[0]!.title).toEqual({ text: 'x"] <img src=x onerror=alert(1)>', tags: [] });
    hostile.forEach((name, i) => {
      const node = parsed.nodes.get(`n${i}`)!;
      expect(node.tags).toEqual(['br', 'br']);
      const shown = name.replace(/\n/g, ' ').replace('\u202E', '<U+202E>').replace('\u200B', '<U+200B>');
      expect(node.text).toBe(`${i % 2 ? 'Secret' : 'ConfigMap'}\n${i === 3 ? 'ns"]-->x' : 'shop'}/${shown}\nupdate`);
      expect(node.classes).toEqual(['update']);
    });
  });
});
