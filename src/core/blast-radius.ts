// The blast radius of a change, per target: the objects it changes and, following
// what depends on what in the rendered manifests, the objects that feel it.
// ConfigMaps and Secrets → the workloads that use them → the Services selecting
// their pods → Ingresses, Gateway API routes and OpenShift Routes; the workloads'
// PodDisruptionBudgets and HorizontalPodAutoscalers. Nodes are identities only:
// no field value of any object (Secret values least of all) enters the graph.
import { consumersOf, indexWorkloads, type WorkloadIndex } from './consumers.js';
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

/** "namespace/name" of the Services a Gateway API route sends traffic to (a backendRef is a core Service unless it says otherwise). */
function gatewayBackends(route: Resource): string[] {
  const refs = list(at(route.object, 'spec', 'rules')).flatMap((rule) => list(rule.backendRefs));
  return refs.flatMap((ref) => {
    const name = text(ref.name);
    const isService = (text(ref.group) ?? '') === '' && (text(ref.kind) ?? 'Service') === 'Service';
    return name && isService ? [`${text(ref.namespace) ?? route.namespace}/${name}`] : [];
  });
}

/** Names of the Services an OpenShift Route sends traffic to (spec.to and its alternate backends). */
function openshiftBackends(route: JsonObject): string[] {
  const targets = [at(route, 'spec', 'to'), ...list(at(route, 'spec', 'alternateBackends'))];
  return targets.flatMap((t) => (isObject(t) && (text(t.kind) ?? 'Service') === 'Service' && text(t.name) ? [t.name as string] : []));
}

/** The objects a dependency lookup searches, grouped once. */
class World {
  readonly byKey = new Map<string, Resource>();
  private readonly byKind = new Map<string, Resource[]>();
  private workloadIndex: WorkloadIndex | null = null;

  constructor(private readonly resources: Resource[]) {
    for (const r of resources) {
      this.byKey.set(resourceKey(r), r);
      const same = this.byKind.get(r.kind);
      if (same) same.push(r);
      else this.byKind.set(r.kind, [r]);
    }
  }

  get workloads(): WorkloadIndex {
    return (this.workloadIndex ??= indexWorkloads(this.resources));
  }

  /** Objects of `kind` in `group`, in `namespace` unless it is undefined (any namespace). */
  of(kind: string, groups: ReadonlySet<string> | string, namespace?: string | null): Resource[] {
    const inGroup = (r: Resource) => (typeof groups === 'string' ? apiGroup(r.apiVersion) === groups : groups.has(apiGroup(r.apiVersion)));
    return (this.byKind.get(kind) ?? []).filter((r) => inGroup(r) && (namespace === undefined || r.namespace === namespace));
  }

  /** Objects of any kind in `group` whose kind ends with `suffix` (the Gateway API's HTTPRoute, GRPCRoute, TLSRoute…). */
  ofSuffix(suffix: string, group: string): Resource[] {
    return [...this.byKind].flatMap(([kind, rs]) => (kind.endsWith(suffix) ? rs.filter((r) => apiGroup(r.apiVersion) === group) : []));
  }
}

interface Dependent {
  resource: Resource;
  via: Relation[];
}

function workloadDependents(workload: Resource, world: World): Dependent[] {
  const labels = podLabels(workload.kind, workload.object);
  const ns = workload.namespace;
  // A Service without a selector selects no pods (its endpoints are managed by hand).
  const services = world.of('Service', '', ns).filter((s) => {
    const selector = at(s.object, 'spec', 'selector');
    return isObject(selector) && Object.keys(selector).length > 0 && selects({ matchLabels: selector }, labels);
  });
  const budgets = world.of('PodDisruptionBudget', 'policy', ns).filter((p) => selects(at(p.object, 'spec', 'selector'), labels));
  const autoscalers = world.of('HorizontalPodAutoscaler', 'autoscaling', ns).filter((h) => {
    const ref = at(h.object, 'spec', 'scaleTargetRef');
    const refGroup = text(at(ref, 'apiVersion'));
    return text(at(ref, 'kind')) === workload.kind && text(at(ref, 'name')) === workload.name && (refGroup === undefined || apiGroup(refGroup) === apiGroup(workload.apiVersion));
  });
  return [
    ...services.map((resource) => ({ resource, via: ['selects'] as Relation[] })),
    ...budgets.map((resource) => ({ resource, via: ['protects'] as Relation[] })),
    ...autoscalers.map((resource) => ({ resource, via: ['scales'] as Relation[] })),
  ];
}

function serviceDependents(service: Resource, world: World): Dependent[] {
  const ns = service.namespace;
  const routes = [
    ...world.of('Ingress', INGRESS_GROUPS, ns).filter((i) => ingressBackends(i.object).includes(service.name)),
    ...world.ofSuffix('Route', GATEWAY_GROUP).filter((r) => gatewayBackends(r).includes(`${ns}/${service.name}`)),
    ...world.of('Route', OPENSHIFT_ROUTE_GROUP, ns).filter((r) => openshiftBackends(r.object).includes(service.name)),
  ];
  return routes.map((resource) => ({ resource, via: ['routes'] }));
}

/** The objects that depend on `resource` directly. */
function dependentsOf(resource: Resource, world: World): Dependent[] {
  const group = apiGroup(resource.apiVersion);
  if (group === '' && (resource.kind === 'ConfigMap' || resource.kind === 'Secret')) {
    return consumersOf(world.workloads, resource.kind, resource.namespace, resource.name).map((c) => ({ resource: c.workload, via: [...c.uses] }));
  }
  if (podSpec(resource.kind, resource.object)) return workloadDependents(resource, world);
  if (group === '' && resource.kind === 'Service') return serviceDependents(resource, world);
  return [];
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
    for (const { resource, via } of dependentsOf(queue[next]!, world)) {
      const to = visit(resource);
      if (to !== from) edges.set(`${from.id}>${to.id}`, { from: from.id, to: to.id, via });
    }
  }
  return boundGraph({ nodes: [...nodes.values()], edges: [...edges.values()] }, maxNodes);
}
