// The blast radius of a change, per target: the objects it changes and, following
// what depends on what in the rendered manifests, the objects that feel it.
// ConfigMaps and Secrets → the workloads that use them → the Services selecting
// their pods → Ingresses, Gateway API routes and OpenShift Routes; the workloads'
// PodDisruptionBudgets and HorizontalPodAutoscalers. Nodes are identities only:
// no field value of any object (Secret values least of all) enters the graph.
import { configReferences, usesOf } from './consumers.js';
import type { BlastEdge, BlastNode, BlastRadius, Change, BlastGraph, ImpactType, Relation } from './model.js';
import { at, podLabels, podSpec, selects } from './pod.js';
import { apiGroup, isObject, resourceKey, type JsonObject, type JsonValue, type Resource } from './resource.js';

export type { BlastEdge, BlastNode, BlastRadius, BlastGraph, Relation };

/** Impacts, worst first. */
export const IMPACT_SEVERITY: readonly ImpactType[] = ['data-loss', 'downtime', 'exposure', 'recreate', 'rollout', 'not-rolled-out'];

/** Nodes one target's graph keeps: enough for any picture, bounded for the JSON of very large reviews. */
export const MAX_GRAPH_NODES = 200;

const INGRESS_GROUPS = new Set(['networking.k8s.io', 'extensions']);
const GATEWAY_GROUP = 'gateway.networking.k8s.io';
const OPENSHIFT_ROUTE_GROUP = 'route.openshift.io';

// Index keys: a name, or a label pair (a selector is indexed by its first pair), in a namespace.
const pairKey = (namespace: string | null, [key, value]: [string, JsonValue]) => `${namespace ?? ''}|${key}=${String(value)}`;
const nameKey = (namespace: string | null, name: string) => `${namespace ?? ''}|${name}`;

function text(value: JsonValue | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function list(value: JsonValue | undefined): JsonObject[] {
  return Array.isArray(value) ? value.filter(isObject) : [];
}

/** Names of the Services an Ingress sends traffic to (networking.k8s.io/v1 and the older extensions shape). */
function ingressBackends(ingress: JsonObject): string[] {
  const backend = (b: JsonValue | undefined) => text(at(b, 'service', 'name')) ?? text(at(b, 'serviceName'));
  const paths = list(at(ingress, 'spec', 'rules')).flatMap((rule) => list(at(rule, 'http', 'paths')));
  return [at(ingress, 'spec', 'defaultBackend'), at(ingress, 'spec', 'backend'), ...paths.map((p) => p.backend)].flatMap((b) => backend(b) ?? []);
}

/** "namespace|name" of the Services a Gateway API route sends traffic to (a backendRef is a core Service unless it says otherwise). */
function gatewayBackends(route: Resource): string[] {
  const refs = list(at(route.object, 'spec', 'rules')).flatMap((rule) => list(rule.backendRefs));
  return refs.flatMap((ref) => {
    const name = text(ref.name);
    const isService = (text(ref.group) ?? '') === '' && (text(ref.kind) ?? 'Service') === 'Service';
    return name && isService ? [nameKey(text(ref.namespace) ?? route.namespace, name)] : [];
  });
}

/** Names of the Services an OpenShift Route sends traffic to (spec.to and its alternate backends). */
function openshiftBackends(route: JsonObject): string[] {
  const targets = [at(route, 'spec', 'to'), ...list(at(route, 'spec', 'alternateBackends'))];
  return targets.flatMap((t) => (isObject(t) && (text(t.kind) ?? 'Service') === 'Service' && text(t.name) ? [t.name as string] : []));
}

function isWorkload(r: Resource): boolean {
  return podSpec(r.kind, r.object) !== null;
}

function isCore(r: Resource, ...kinds: string[]): boolean {
  return apiGroup(r.apiVersion) === '' && kinds.includes(r.kind);
}

/**
 * One way an object depends on another. Dependents are indexed by `keys` (what they
 * point at); a dependency finds its candidates under `lookup`, and `via` confirms
 * each (null: no dependency after all). Keyed lookups keep a target of thousands
 * of workloads and Services linear.
 */
interface Link {
  keys(dependent: Resource): string[];
  lookup(dependency: Resource): string[];
  via(dependent: Resource, dependency: Resource): Relation[] | null;
}

const labelKeys = (w: Resource) => (isWorkload(w) ? Object.entries(podLabels(w.kind, w.object)).map((pair) => pairKey(w.namespace, pair)) : []);

const LINKS: Link[] = [
  // A workload uses a ConfigMap or Secret.
  {
    keys: (w) => configReferences(w).map((ref) => nameKey(w.namespace, `${ref.kind}/${ref.name}`)),
    lookup: (c) => (isCore(c, 'ConfigMap', 'Secret') ? [nameKey(c.namespace, `${c.kind}/${c.name}`)] : []),
    via: (w, c) => [...usesOf(w, c.kind as 'ConfigMap' | 'Secret', c.name)],
  },
  // A Service selects a workload's pods (a Service without a selector selects none: its endpoints are managed by hand).
  {
    keys: (s) => {
      const selector = at(s.object, 'spec', 'selector');
      const first = isCore(s, 'Service') && isObject(selector) ? Object.entries(selector)[0] : undefined;
      return first ? [pairKey(s.namespace, first)] : [];
    },
    lookup: labelKeys,
    via: (s, w) => (selects({ matchLabels: at(s.object, 'spec', 'selector') ?? null }, podLabels(w.kind, w.object)) ? ['selects'] : null),
  },
  // A PodDisruptionBudget selects a workload's pods; one with no matchLabels (expressions only, or empty: every pod) is a candidate for all.
  {
    keys: (p) => {
      if (p.kind !== 'PodDisruptionBudget' || apiGroup(p.apiVersion) !== 'policy') return [];
      const match = at(p.object, 'spec', 'selector', 'matchLabels');
      const first = isObject(match) ? Object.entries(match)[0] : undefined;
      return [first ? pairKey(p.namespace, first) : nameKey(p.namespace, '*')];
    },
    lookup: (w) => (isWorkload(w) ? [...labelKeys(w), nameKey(w.namespace, '*')] : []),
    via: (p, w) => (selects(at(p.object, 'spec', 'selector'), podLabels(w.kind, w.object)) ? ['protects'] : null),
  },
  // A HorizontalPodAutoscaler scales a workload.
  {
    keys: (h) => {
      const ref = at(h.object, 'spec', 'scaleTargetRef');
      const [kind, name] = [text(at(ref, 'kind')), text(at(ref, 'name'))];
      return h.kind === 'HorizontalPodAutoscaler' && apiGroup(h.apiVersion) === 'autoscaling' && kind && name ? [nameKey(h.namespace, `${kind}/${name}`)] : [];
    },
    lookup: (w) => (isWorkload(w) ? [nameKey(w.namespace, `${w.kind}/${w.name}`)] : []),
    via: (h, w) => {
      const group = text(at(h.object, 'spec', 'scaleTargetRef', 'apiVersion'));
      return group === undefined || apiGroup(group) === apiGroup(w.apiVersion) ? ['scales'] : null;
    },
  },
  // An Ingress, Gateway API route or OpenShift Route sends traffic to a Service.
  {
    keys: (r) => {
      const group = apiGroup(r.apiVersion);
      if (r.kind === 'Ingress' && INGRESS_GROUPS.has(group)) return ingressBackends(r.object).map((name) => nameKey(r.namespace, name));
      if (r.kind.endsWith('Route') && group === GATEWAY_GROUP) return gatewayBackends(r);
      if (r.kind === 'Route' && group === OPENSHIFT_ROUTE_GROUP) return openshiftBackends(r.object).map((name) => nameKey(r.namespace, name));
      return [];
    },
    lookup: (s) => (isCore(s, 'Service') ? [nameKey(s.namespace, s.name)] : []),
    via: () => ['routes'],
  },
];

/** The objects a dependency lookup searches: by identity, and per link by the keys of what they point at. */
class World {
  readonly byKey = new Map<string, Resource>();
  private readonly indexes: Array<Map<string, Resource[]>>;

  constructor(resources: Resource[]) {
    for (const r of resources) this.byKey.set(resourceKey(r), r);
    this.indexes = LINKS.map((link) => {
      const index = new Map<string, Resource[]>();
      for (const r of resources) {
        for (const key of new Set(link.keys(r))) {
          const same = index.get(key);
          if (same) same.push(r);
          else index.set(key, [r]);
        }
      }
      return index;
    });
  }

  /** The objects that depend on `resource` directly, and how. */
  dependentsOf(resource: Resource): Array<{ resource: Resource; via: Relation[] }> {
    return LINKS.flatMap((link, i) => {
      const candidates = new Set(link.lookup(resource).flatMap((key) => this.indexes[i]!.get(key) ?? []));
      return [...candidates].flatMap((dependent) => {
        const via = link.via(dependent, resource);
        return via?.length ? [{ resource: dependent, via }] : [];
      });
    });
  }
}

function worstImpact(change: Change): ImpactType | undefined {
  return IMPACT_SEVERITY.find((type) => change.impacts.some((i) => i.type === type));
}

/**
 * The connected components of a graph, largest first (ties in the graph's order),
 * each with its nodes in the graph's order and the edges among them.
 */
export function componentsOf(graph: BlastGraph): BlastGraph[] {
  const parent = new Map(graph.nodes.map((n) => [n.id, n.id]));
  const root = (id: string): string => {
    let r = id;
    while (parent.get(r) !== r) r = parent.get(r)!;
    parent.set(id, r);
    return r;
  };
  for (const e of graph.edges) parent.set(root(e.from), root(e.to));
  const groups = new Map<string, BlastGraph>();
  for (const node of graph.nodes) {
    const key = root(node.id);
    const group = groups.get(key) ?? { nodes: [], edges: [] };
    group.nodes.push(node);
    groups.set(key, group);
  }
  for (const edge of graph.edges) groups.get(root(edge.from))!.edges.push(edge);
  return [...groups.values()].sort((a, b) => b.nodes.length - a.nodes.length);
}

/**
 * At most `max` nodes: whole components largest first, the last one cut in its own
 * order; the edges among the nodes kept. Ids are numbered anew in that order.
 */
export function boundGraph(graph: BlastGraph, max: number): BlastRadius {
  const kept = componentsOf(graph).flatMap((c) => c.nodes).slice(0, max);
  const ids = new Map(kept.map((n, i) => [n.id, `n${i}`]));
  const edges = graph.edges.flatMap((e) => (ids.has(e.from) && ids.has(e.to) ? [{ ...e, from: ids.get(e.from)!, to: ids.get(e.to)! }] : []));
  return { nodes: kept.map((n) => ({ ...n, id: ids.get(n.id)! })), edges, omitted: graph.nodes.length - kept.length };
}

/**
 * The blast radius of one target's changes: every changed object is a root, and
 * the graph follows dependents through the head render. A deleted object is looked
 * up in the base render, and its dependents (still at head) are what it leaves broken.
 */
export function blastRadius(changes: Change[], head: Resource[], maxNodes = MAX_GRAPH_NODES): BlastRadius {
  const deleted = changes.flatMap((c) => (c.action === 'delete' && c.base ? [c.base] : []));
  const world = new World([...head, ...deleted]);
  const changed = new Map(changes.map((c) => [resourceKey(c), c]));
  const nodes = new Map<string, BlastNode>();
  const edges = new Map<string, BlastEdge>();
  const queue: Resource[] = [];
  const visit = (identity: Pick<Resource, 'apiVersion' | 'kind' | 'namespace' | 'name'>): BlastNode => {
    const key = resourceKey(identity);
    let node = nodes.get(key);
    if (node) return node;
    const change = changed.get(key);
    const impact = change && worstImpact(change);
    const { apiVersion, kind, namespace, name } = identity;
    node = { id: `n${nodes.size}`, apiVersion, kind, namespace, name, action: change?.action ?? 'unchanged', ...(impact ? { impact } : {}) };
    nodes.set(key, node);
    const resource = world.byKey.get(key);
    if (resource) queue.push(resource);
    return node;
  };
  for (const change of changes) visit(change);
  for (let next = 0; next < queue.length; next++) {
    const from = nodes.get(resourceKey(queue[next]!))!;
    for (const { resource, via } of world.dependentsOf(queue[next]!)) {
      const to = visit(resource);
      if (to !== from) edges.set(`${from.id}>${to.id}`, { from: from.id, to: to.id, via });
    }
  }
  return boundGraph({ nodes: [...nodes.values()], edges: [...edges.values()] }, maxNodes);
}
