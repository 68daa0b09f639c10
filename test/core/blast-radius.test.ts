import { describe, expect, it } from 'vitest';
import { blastRadius, type BlastRadius } from '../../src/core/blast-radius.js';
import { diffResources } from '../../src/core/diff/index.js';
import { analyzeImpacts } from '../../src/core/impact.js';
import type { JsonObject, Resource } from '../../src/core/resource.js';
import { deploy, res } from '../helpers/resources.js';

/** The graph of the change base → head, through the real diff and impact analysis. */
function graphOf(base: Resource[], head: Resource[], max?: number) {
  const changes = analyzeImpacts(diffResources(base, head), { base, head });
  return blastRadius(changes, head, max);
}

const cm = (name: string, data: JsonObject, namespace = 'shop') => res({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data });
const service = (name: string, selector: JsonObject, namespace = 'shop') =>
  res({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace }, spec: { selector, ports: [{ port: 80 }] } });
const withVolume = (name: string, configMap: string) =>
  res({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'shop' },
    spec: {
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name, image: `${name}:1` }], volumes: [{ name: 'cfg', configMap: { name: configMap } }] } },
    },
  });

/**
 * The graph as people read it, independent of node order: "action Kind namespace/name (impact)"
 * per node, "Kind name -via-> Kind name" per edge, both sorted.
 */
function picture(graph: BlastRadius) {
  expect(graph.nodes.map((n) => n.id)).toEqual(graph.nodes.map((_, i) => `n${i}`));
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const name = (id: string) => `${byId.get(id)!.kind} ${byId.get(id)!.name}`;
  return {
    nodes: graph.nodes.map((n) => `${n.action} ${n.kind} ${n.namespace ?? ''}/${n.name}${n.impact ? ` (${n.impact})` : ''}`).sort(),
    edges: graph.edges.map((e) => `${name(e.from)} -${e.via.join('+')}-> ${name(e.to)}`).sort(),
    omitted: graph.omitted,
  };
}

describe('blast radius', () => {
  it('follows a ConfigMap to its workload, the Service selecting its pods, the Ingress, PDB and HPA', () => {
    const web = withVolume('web', 'app-config');
    const others = [
      service('web', { app: 'web' }),
      service('other', { app: 'other' }),
      // Every pair of a selector must match: the web pods have no tier label.
      service('canary', { app: 'web', tier: 'canary' }),
      deploy('other', [{ name: 'other', image: 'other:1' }]),
      res({
        apiVersion: 'networking.k8s.io/v1',
        kind: 'Ingress',
        metadata: { name: 'web', namespace: 'shop' },
        spec: { rules: [{ host: 'shop.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } }] },
      }),
      res({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'web', namespace: 'shop' }, spec: { minAvailable: 1, selector: { matchLabels: { app: 'web' } } } }),
      res({
        apiVersion: 'autoscaling/v2',
        kind: 'HorizontalPodAutoscaler',
        metadata: { name: 'web', namespace: 'shop' },
        spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: 2, maxReplicas: 5 },
      }),
      // Selects other pods: not in the picture.
      res({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'other', namespace: 'shop' }, spec: { selector: { matchLabels: { app: 'other' } } } }),
    ];
    const graph = graphOf([cm('app-config', { mode: 'a' }), web, ...others], [cm('app-config', { mode: 'b' }), web, ...others]);
    expect(picture(graph)).toEqual({
      nodes: [
        'unchanged Deployment shop/web',
        'unchanged HorizontalPodAutoscaler shop/web',
        'unchanged Ingress shop/web',
        'unchanged PodDisruptionBudget shop/web',
        'unchanged Service shop/web',
        'update ConfigMap shop/app-config (not-rolled-out)',
      ],
      edges: [
        'ConfigMap app-config -volume-> Deployment web',
        'Deployment web -protects-> PodDisruptionBudget web',
        'Deployment web -scales-> HorizontalPodAutoscaler web',
        'Deployment web -selects-> Service web',
        'Service web -routes-> Ingress web',
      ],
      omitted: 0,
    });
    expect(graph.nodes[0]).toEqual({ id: 'n0', apiVersion: 'v1', kind: 'ConfigMap', namespace: 'shop', name: 'app-config', action: 'update', impact: 'not-rolled-out' });
  });

  it('follows a Secret through envFrom to a workload that changes too, and keeps no Secret value', () => {
    const secret = (password: string) => res({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db-creds', namespace: 'shop' }, stringData: { password } });
    const api = (image: string) => deploy('api', [{ name: 'api', image, envFrom: [{ secretRef: { name: 'db-creds' } }] }]);
    const graph = graphOf([secret('hunter2'), api('api:1')], [secret('correct-horse'), api('api:2')]);
    expect(picture(graph)).toEqual({
      nodes: ['update Deployment shop/api (rollout)', 'update Secret shop/db-creds'],
      edges: ['Secret db-creds -envFrom-> Deployment api'],
      omitted: 0,
    });
    expect(JSON.stringify(graph)).not.toMatch(/hunter2|correct-horse/);
  });

  it('shows a change nothing depends on as a lone node', () => {
    const graph = graphOf([cm('unused', { a: '1' }), withVolume('web', 'app-config')], [cm('unused', { a: '2' }), withVolume('web', 'app-config')]);
    expect(picture(graph)).toEqual({ nodes: ['update ConfigMap shop/unused'], edges: [], omitted: 0 });
  });

  it('finds Gateway API routes in other namespaces and OpenShift Routes, and what a deleted workload leaves behind', () => {
    const web = deploy('web', [{ name: 'web', image: 'web:1' }]);
    const kept = [
      service('web', { app: 'web' }),
      res({
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'HTTPRoute',
        metadata: { name: 'public', namespace: 'gateway' },
        spec: { rules: [{ backendRefs: [{ name: 'web', namespace: 'shop', port: 80 }] }, { backendRefs: [{ name: 'web', port: 80 }] }] },
      }),
      // Same name, but a backend in its own namespace: not this Service.
      res({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'local', namespace: 'gateway' }, spec: { rules: [{ backendRefs: [{ name: 'web' }] }] } }),
      res({ apiVersion: 'route.openshift.io/v1', kind: 'Route', metadata: { name: 'web', namespace: 'shop' }, spec: { to: { kind: 'Service', name: 'web' } } }),
    ];
    const graph = graphOf([web, ...kept], kept);
    expect(picture(graph)).toEqual({
      nodes: ['delete Deployment shop/web (downtime)', 'unchanged HTTPRoute gateway/public', 'unchanged Route shop/web', 'unchanged Service shop/web'],
      edges: ['Deployment web -selects-> Service web', 'Service web -routes-> HTTPRoute public', 'Service web -routes-> Route web'],
      omitted: 0,
    });
  });

  it('keeps the largest components first when it bounds the graph, and counts the rest', () => {
    const users = ['a', 'b', 'c', 'd', 'e'].map((n) => withVolume(n, 'shared'));
    const lone = [cm('x', { v: '1' }), cm('y', { v: '1' })];
    const graph = graphOf([...lone, cm('shared', { v: '1' }), ...users], [cm('x', { v: '2' }), cm('y', { v: '2' }), cm('shared', { v: '2' }), ...users], 4);
    // The lone ConfigMaps come first in the review, but the shared one's component is the largest.
    expect(picture(graph)).toEqual({
      nodes: ['unchanged Deployment shop/a', 'unchanged Deployment shop/b', 'unchanged Deployment shop/c', 'update ConfigMap shop/shared (not-rolled-out)'],
      edges: ['ConfigMap shared -volume-> Deployment a', 'ConfigMap shared -volume-> Deployment b', 'ConfigMap shared -volume-> Deployment c'],
      omitted: 4,
    });
  });
});
