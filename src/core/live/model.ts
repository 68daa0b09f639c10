// What live mode adds to the review model: the cluster's view of a target and of each change.
import type { FieldChange } from '../field-change.js';
import type { JsonValue } from '../resource.js';

/** An object by identity, as the cluster knows it. */
export interface ObjectRef {
  apiVersion: string;
  kind: string;
  /** null for cluster-scoped kinds. */
  namespace: string | null;
  name: string;
}

/** One field the base render sets whose live value differs. Secret values are never here: they read "***" / "*** (changed)". */
export interface DriftField {
  path: string;
  /** The base render's value. */
  base: JsonValue;
  /** The cluster's value (null when the cluster lacks the field). */
  live: JsonValue;
  /** The head render's value (null when the head no longer sets the field). */
  head: JsonValue;
  /** The field manager that owns the live value, when it is not the controller that applies the target. */
  manager?: string;
  /** What owns the live value, in words ("HorizontalPodAutoscaler web"), when something known does. */
  owner?: string;
  /** One sentence: what differs, who changed it, and what merging does to it. */
  message: string;
}

export interface ObjectDrift extends ObjectRef {
  fields: DriftField[];
}

/** A cluster object that belongs to the target and that no head render contains. */
export interface PrunedObject extends ObjectRef {
  /** delete: the controller prunes it at the next sync; left-behind: pruning is off (or disabled on the object). */
  action: 'delete' | 'left-behind';
  /** What marks it as the target's, in words ("Flux Kustomization flux-system/apps"). */
  owner: string;
  /** Why it stays, for left-behind objects ("spec.prune is false", "marked kustomize.toolkit.fluxcd.io/prune: disabled"). */
  reason?: string;
  /** The branch diff already deletes it (it is in the base render). */
  inBranchDiff: boolean;
}

/** The cluster's view of one change. */
export interface ChangeLive {
  /** Whether the object exists in the cluster now. */
  exists: boolean;
  /** The server-side apply dry-run of the head object; skipped for deletions and when the cluster could not be asked. */
  dryRun: 'ok' | 'rejected' | 'skipped';
  /** Why the API server rejected it, or why the dry-run was skipped, in the API server's words. */
  message?: string;
  /** live → dry-run result, server bookkeeping ignored, redacted. */
  fields?: FieldChange[];
  /** Unified diff live → dry-run result (redacted), present when it differs from the branch diff. */
  diff?: string;
  /** The live diff says something else than the branch diff (drift reverted, a field already live, a webhook's change). */
  differs?: boolean;
  /** Fields the API server adds that no render sets (defaults, mutating webhooks): counted, not listed. */
  serverAdded?: number;
}

/** The cluster's view of one target. */
export interface TargetLive {
  /** The cluster's name in .safe-deploy.yml. */
  cluster: string;
  /** ok: everything was asked; degraded: some reads failed (reason says which); unavailable: the cluster could not be asked at all. */
  status: 'ok' | 'degraded' | 'unavailable';
  /** One line, when not ok. */
  reason?: string;
  /** The field manager and force flag the dry-run used (those of the controller that applies the target). */
  fieldManager: string;
  force: boolean;
  /** Whether the controller prunes objects that leave the render. */
  prune: boolean;
  /** Objects whose live state differs from the base render. */
  drift: ObjectDrift[];
  /** Cluster objects of the target that no head render contains. */
  pruned: PrunedObject[];
  /** Requests sent to the API server for this target. */
  requests: number;
}

/** The controller that applies a target, as live mode needs to know it. */
export interface Deployer {
  /** argocd: an Application; flux: a Flux Kustomization; helm-controller: a Flux HelmRelease; helm: a Helm release; kubectl: anything else (CI). */
  controller: 'argocd' | 'flux' | 'helm-controller' | 'helm' | 'kubectl';
  /** The Application, Kustomization, HelmRelease or release name; null for kubectl. */
  name: string | null;
  /** The declaring object's namespace (Argo CD, Flux) or the release namespace (Helm). */
  namespace: string | null;
  /** Whether the controller prunes objects that leave the render. */
  prune: boolean;
  /** The field manager and force flag of its server-side applies. */
  fieldManager: string;
  force: boolean;
  /** It deletes and re-creates an object whose update the API server refuses for an immutable field (Flux spec.force). */
  recreatesImmutable?: true;
  /** Argo CD: how it tracks its objects (application.resourceTrackingMethod); absent, either way (the annotation decides where present). */
  tracking?: 'annotation' | 'label' | 'annotation+label';
}
