// How the controller that deploys a target applies it: plain data from the
// target's declaration (an Argo CD Application) and its renderer.

/** One entry of an Argo CD Application's spec.ignoreDifferences. */
export interface IgnoreDifference {
  /** API group ("" for the core group, "*" for any). */
  group: string;
  /** Kind, or "*" for any. */
  kind: string;
  name?: string;
  namespace?: string;
  jsonPointers: string[];
  jqPathExpressions: string[];
  managedFieldsManagers: string[];
}

/** What an Argo CD Application says about syncing its objects. */
export interface ArgoSync {
  /** spec.syncPolicy.syncOptions, e.g. "Prune=false", "ServerSideApply=true". */
  syncOptions: string[];
  ignoreDifferences: IgnoreDifference[];
  /** spec.syncPolicy.automated.prune: an automated sync deletes what leaves the render (a manual sync only when asked to). */
  autoPrune?: true;
}

export interface SyncModel {
  /** Set when an Argo CD Application deploys the target. */
  argocd?: ArgoSync;
  /** Set when a Flux Kustomization deploys the target: whether it garbage-collects what leaves the build (spec.prune). */
  flux?: { prune: boolean };
  /** Helm upgrades the release: an object annotated helm.sh/resource-policy: keep stays when it leaves the chart. */
  helmRelease?: boolean;
  /** Whether helm.sh/hook annotations make hooks (Helm renders, and Argo CD, which maps them). */
  helmHooks: boolean;
}

export const PLAIN_APPLY: SyncModel = { helmHooks: false };
