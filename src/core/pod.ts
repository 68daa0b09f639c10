// Where pods live in workload objects, and small readers for their parts.
import { isObject, type JsonObject, type JsonValue } from './resource.js';

/** Kinds that run pods, with the path to their pod template spec. */
const POD_SPEC_PATHS: Record<string, string[]> = {
  Pod: ['spec'],
  Deployment: ['spec', 'template', 'spec'],
  StatefulSet: ['spec', 'template', 'spec'],
  DaemonSet: ['spec', 'template', 'spec'],
  ReplicaSet: ['spec', 'template', 'spec'],
  ReplicationController: ['spec', 'template', 'spec'],
  Job: ['spec', 'template', 'spec'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
};

/** Workloads that keep pods running (a readiness probe matters, a rollout happens). */
export const LONG_RUNNING = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'ReplicationController']);

export function at(object: JsonValue | undefined, ...path: string[]): JsonValue | undefined {
  let node = object;
  for (const step of path) node = isObject(node) ? node[step] : undefined;
  return node;
}

export function podSpec(kind: string, object: JsonObject): JsonObject | null {
  const path = POD_SPEC_PATHS[kind];
  const spec = path ? at(object, ...path) : undefined;
  return isObject(spec) ? spec : null;
}

/** The labels of the pods a workload runs (its pod template's, or a Pod's own). */
export function podLabels(kind: string, object: JsonObject): Record<string, string> {
  const path = POD_SPEC_PATHS[kind];
  return path ? labelsOf(object, ...path.slice(0, -1), 'metadata', 'labels') : {};
}

/** The path of the pod template in field-diff notation ("spec.template."), or null. */
export function podTemplatePrefix(kind: string): string | null {
  const path = POD_SPEC_PATHS[kind];
  return path && path.length > 1 ? `${path.slice(0, -1).join('.')}.` : null;
}

export interface Container {
  name: string;
  init: boolean;
  spec: JsonObject;
}

const containerCache = new WeakMap<JsonObject, Container[]>();

/** The init and app containers of a pod spec (computed once per spec: every pod rule reads them). */
export function containers(spec: JsonObject | null): Container[] {
  if (!spec) return [];
  const cached = containerCache.get(spec);
  if (cached) return cached;
  const found = listContainers(spec);
  containerCache.set(spec, found);
  return found;
}

function listContainers(spec: JsonObject): Container[] {
  const list = (field: string, init: boolean) =>
    (Array.isArray(spec[field]) ? (spec[field] as JsonValue[]) : []).filter(isObject).map((c) => ({ name: String(c.name ?? '?'), init, spec: c }));
  return [...list('initContainers', true), ...list('containers', false)];
}

export function labelsOf(object: JsonValue | undefined, ...path: string[]): Record<string, string> {
  const labels = at(object, ...path);
  if (!isObject(labels)) return {};
  return Object.fromEntries(Object.entries(labels).map(([k, v]) => [k, String(v)]));
}

/**
 * Whether a LabelSelector (matchLabels + matchExpressions) selects these labels. An empty selector selects
 * everything; an expression with an unknown operator is what `unknownOperator` says (by default: no match).
 */
export function selects(selector: JsonValue | undefined, labels: Record<string, string>, unknownOperator: (operator: string) => boolean = () => false): boolean {
  if (!isObject(selector)) return false;
  const match = labelsOf(selector, 'matchLabels');
  if (!Object.entries(match).every(([k, v]) => labels[k] === v)) return false;
  const expressions = Array.isArray(selector.matchExpressions) ? selector.matchExpressions.filter(isObject) : [];
  return expressions.every((e) => {
    const key = String(e.key);
    const values = Array.isArray(e.values) ? e.values.map(String) : [];
    switch (e.operator) {
      case 'In':
        return key in labels && values.includes(labels[key]!);
      case 'NotIn':
        return !(key in labels) || !values.includes(labels[key]!);
      case 'Exists':
        return key in labels;
      case 'DoesNotExist':
        return !(key in labels);
      default:
        return unknownOperator(String(e.operator));
    }
  });
}

/** Replicas as the controller sees them: absent means 1. */
export function replicas(object: JsonObject | undefined): number {
  const value = at(object, 'spec', 'replicas');
  return typeof value === 'number' ? value : 1;
}
