// The review model: what the pipeline produces and every report reads.
import type { FieldChange } from './field-change.js';
import type { Use } from './consumers.js';
import type { ChangeLive, TargetLive } from './live/model.js';

export type { FieldChange };
import type { JsonValue, Resource } from './resource.js';

export type Action = 'create' | 'update' | 'delete' | 'replace';
export type ImpactType = 'rollout' | 'recreate' | 'data-loss' | 'downtime' | 'exposure' | 'not-rolled-out';
export type Severity = 'error' | 'warning' | 'notice';
export type RendererName = 'plain' | 'kustomize' | 'helm';

/** An object a sync creates anew each time instead of applying it. */
export interface Hook {
  /** Argo CD phases (PreSync, PostSync…) under Argo CD; Helm events (pre-upgrade…) under Helm alone. */
  phases: string[];
  /** When the hook object is deleted again, in the controller's words. */
  deletePolicies: string[];
  /** Whether an upgrade or sync runs it (Helm install-only hooks and Argo CD delete hooks do not). */
  runsAtSync: boolean;
}

/** One step of a sync: the objects applied together, in order. */
export interface SyncStep {
  phase: string;
  wave: number;
  /** "Kind namespace/name", in apply order. */
  objects: string[];
}

export interface Impact {
  type: ImpactType;
  message: string;
  /** For rollouts: how many pods restart (DaemonSets: unknown, one per node). */
  pods?: number;
  /** For a change of replicas: pods added (positive) or removed (negative). */
  scaled?: number;
}

export interface Change {
  action: Action;
  apiVersion: string;
  kind: string;
  namespace: string | null;
  name: string;
  /** Only for replace: the base object's name. */
  previousName?: string;
  /** Only for a replace that moves the object to another namespace: the base object's namespace. */
  previousNamespace?: string;
  /** Changed paths the API server refuses to update in place (they make this a replace). */
  immutableFields?: string[];
  /** Set when the controller runs the object as a hook: created anew at each sync, never updated in place. */
  hook?: Hook;
  /** An object that was no hook becomes one: the sync deletes the live object before it creates the hook. */
  hookReplacesLive?: true;
  /** false: a deletion the controller does not carry out (Prune=false, a hook): the object is left in the cluster. */
  prune?: false;
  /** Argo CD sync options that change how the object is written ("Replace=true", "Force=true", "ServerSideApply=true"). */
  syncOptions?: string[];
  /** The immutable fields change, and the sync options make the sync delete and re-create the object. */
  recreatedBySync?: true;
  /** A deleted object with compare option IgnoreExtraneous: Argo CD does not report it out of sync. */
  ignoreExtraneous?: true;
  /** Redacted. */
  fields: FieldChange[];
  /** Unified diff of the normalized, redacted YAML (made on first read). */
  readonly diff: string;
  /** The same diff without the field changes at `paths` (shown elsewhere, e.g. once for many objects). */
  diffExcept?(paths: ReadonlySet<string>): string;
  impacts: Impact[];
  /** Live mode: the cluster's view of the object (its live state and the API server's dry-run). */
  live?: ChangeLive;
  /** Normalized but not redacted: for rules only, never written to any output. */
  base: Resource | null;
  head: Resource | null;
}

// The blast-radius graph of a target (core/blast-radius builds it).
export type NodeAction = Action | 'unchanged';
/** How a dependent depends on its dependency: a use of a ConfigMap/Secret, or a selector, route or reference. */
export type Relation = Use | 'selects' | 'routes' | 'protects' | 'scales';

export interface BlastNode {
  /** "n0", "n1"…: unique in its graph, never made of user text. */
  id: string;
  apiVersion: string;
  kind: string;
  namespace: string | null;
  name: string;
  action: NodeAction;
  /** The worst impact of the node's own change (core/blast-radius IMPACT_SEVERITY order). */
  impact?: ImpactType;
}

/** `to` depends on `from` (a Deployment on its ConfigMap, a Service on the Deployment whose pods it selects). */
export interface BlastEdge {
  from: string;
  to: string;
  via: Relation[];
}

export interface BlastGraph {
  nodes: BlastNode[];
  edges: BlastEdge[];
}

export interface BlastRadius extends BlastGraph {
  /** Nodes left out past the size bound (smallest components first). */
  omitted: number;
}

export interface Finding {
  rule: string;
  severity: Severity;
  target: string;
  apiVersion?: string;
  kind?: string;
  namespace?: string | null;
  name?: string;
  message: string;
  file?: string;
  line?: number;
  overridden: boolean;
  /** False when the finding already held at base (an inherited finding); by default it does not count for the verdict. */
  introduced: boolean;
}

/** The object that declares a target (an Argo CD Application, a Flux Kustomization) and its file. */
export interface TargetDeclaration {
  kind: string;
  namespace: string | null;
  name: string;
  file: string;
}

export interface TargetResult {
  /** Unique in the review (two targets may share a declared name; see targets/plan). */
  name: string;
  path: string;
  renderer: RendererName;
  declaredBy?: TargetDeclaration;
  status: 'ok' | 'error';
  /** Why the head render failed, when status is error. */
  error?: string;
  /** Argo CD targets: the order one sync applies the head's objects in. */
  syncOrder?: SyncStep[];
  /** What the review could not evaluate or left out for the target, one sentence each. */
  notes?: string[];
  changes: Change[];
  /** Live mode: the cluster's view of the target (drift, prune), when a cluster is mapped to it. */
  live?: TargetLive;
  /** What the changes touch and what depends on them; present when the target has changes. */
  blastRadius?: BlastRadius;
}

export interface Summary {
  created: number;
  updated: number;
  deleted: number;
  replaced: number;
}

export type BlockOn = 'introduced' | 'all';

/** A `reviews:` entry of the base config the change calls for. */
export interface RoutedReview {
  name: string;
  /** "@user" or "@org/team": one approval of the current head by any of them satisfies it. */
  require: string[];
  /** The objects or findings that call for it, a few words each. */
  because: string[];
  /** Set where the platform was asked: who approved the current head among those required. */
  approvedBy?: string[];
  satisfied?: boolean;
}

export interface Review {
  verdict: 'pass' | 'fail';
  /** Full SHAs as given (base) and reviewed (head). */
  base: string;
  head: string;
  /** The merge-base the base side was rendered at (equals base unless base moved on). */
  mergeBase: string;
  summary: Summary;
  targets: TargetResult[];
  findings: Finding[];
  /** Renderer binaries used, e.g. "helm v4.1.0"; shown in the footer. */
  tools: string[];
  /** Declarations the change touches that are not rendered from this repository (another repository, an external chart…). */
  notRendered?: Array<{ name: string; declaredBy: TargetDeclaration; reason: string; failed?: true }>;
  /** Findings that held at base on a changed object and no longer hold at head. */
  resolved?: number;
  /** Which findings count for the verdict (policies.blockOn of the base revision's config); absent means introduced. */
  blockOn?: BlockOn;
  /** What each diff.ignore entry of the base config hid (field changes, objects); absent when nothing was hidden. */
  ignored?: Array<{ entry: number; fields: number; objects: number; unchanged: number }>;
  /** The approvals the change needs (the base config's `reviews:`); absent when it has none. */
  reviews?: RoutedReview[];
  /** Active overrides for the head commit, listed in the comment. */
  overrides?: Array<{ rule: string; resource?: string; by: string; reason: string }>;
}
