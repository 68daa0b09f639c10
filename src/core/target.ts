import type { RendererName, TargetDeclaration } from './model.js';
import type { JsonObject, JsonValue } from './resource.js';
import type { ArgoSync, SyncModel } from './sync/model.js';
import type { FluxSpec } from './flux/kustomization.js';

export interface HelmOptions {
  releaseName?: string;
  /** Value files, relative to the chart directory; applied in order. */
  valueFiles?: string[];
  /** Inline values (an object, or YAML text as in Argo CD's `helm.values`); applied after the files. */
  values?: JsonObject | string;
  /** `--set` parameters, applied last. */
  parameters?: Array<{ name: string; value: string; forceString?: boolean }>;
  /** A Flux HelmRelease's valuesFrom, merged in order before `values` (read when rendering: they may be secret). */
  valuesFrom?: ValuesReference[];
  /** A repository chart's archive from the server's chart cache, rendered instead of a chart directory. */
  chartArchive?: ChartArchive;
}

/** An archive of the chart cache (SAFE_DEPLOY_CHART_CACHE). */
export interface ChartArchive {
  /** Absolute path on the server; never shown. */
  file: string;
  chart: string;
  version: string;
  identity: string;
}

/** A ConfigMap or Secret a Flux object reads values from, found in the repository when `file` is set. */
export interface ValuesReference {
  kind: 'ConfigMap' | 'Secret';
  name: string;
  /** Its namespace: the referring object's. */
  namespace: string;
  optional?: boolean;
  /** HelmRelease only: the key holding the values (default "values.yaml") and where they go. */
  valuesKey?: string;
  targetPath?: string;
  /** The repository file that defines the object; absent when the repository defines none (or several that disagree). */
  file?: string;
}

/** What a Flux Kustomization does around the build of its path (kustomize-controller), written from its spec. */
export interface FluxKustomizeOptions extends FluxSpec {
  ignoreMissingComponents?: boolean;
  /** Set on every object's own metadata after the build. */
  commonMetadata?: { labels?: JsonObject; annotations?: JsonObject };
  postBuild?: { substitute: Record<string, string>; substituteFrom: ValuesReference[]; always: boolean };
  /** spec.force: an apply refused for an immutable field is done by deleting and re-creating the object. */
  recreate?: true;
}

/** Argo CD's kustomize overrides for an Application. */
export interface KustomizeOptions {
  namePrefix?: string;
  nameSuffix?: string;
  images?: string[];
}

/** A deploy target: one thing that renders to a set of objects. */
export interface Target {
  name: string;
  /** Directory relative to the repository root ("." for the root). */
  path: string;
  renderer: RendererName;
  /** Namespace for namespaced objects that name none. */
  namespace: string;
  /** Plain targets only: include subdirectories (Argo CD directory.recurse, Flux). */
  recurse?: boolean;
  kubernetesVersion?: string;
  helm?: HelmOptions;
  kustomize?: KustomizeOptions;
  /** The declaration that makes this a target, when one does (otherwise the target is its path). */
  declaredBy?: TargetDeclaration;
  /**
   * Plain targets only: files of the target that a chart, an Application, the config
   * or a kustomization reads as values or inputs; documents in them that are not
   * Kubernetes objects are skipped rather than refused.
   */
  dataFiles?: string[];
  /** Plain targets only: a directory taken for a target because a changed manifest is in it; nothing declares it. */
  guessed?: boolean;
  /** Where the declaration takes its files from; absent for a directory of this repository. */
  source?: TargetSource;
  /** A Flux Kustomization's build and post-build (kustomize renderer). */
  flux?: FluxKustomizeOptions;
  /** false when the declaration leaves deleted objects in the cluster (a Flux Kustomization without `spec.prune: true`). */
  prune?: false;
  /** Argo CD targets: the Application's sync options and ignoreDifferences. */
  sync?: ArgoSync;
  /** App of apps: the target whose render declares this one. */
  parent?: Target;
  /** The cluster live mode checks the target against, as the config names it for the target. */
  cluster?: string;
  /** Argo CD targets: the Application's spec.destination name and server (which cluster it deploys to). */
  destination?: { name?: string; server?: string };
}

/** How the target's controller syncs it: Argo CD's model for Applications; Helm hooks wherever Helm renders. */
export function syncModelOf(target: Target): SyncModel {
  const helmHooks = target.renderer === 'helm' || target.sync !== undefined;
  return {
    ...(target.sync ? { argocd: target.sync } : {}),
    ...(target.flux ? { flux: { prune: target.prune !== false } } : {}),
    // Argo CD applies a chart's objects itself and ignores Helm's resource policy.
    ...(target.renderer === 'helm' && !target.sync ? { helmRelease: true } : {}),
    helmHooks,
  };
}

/** A DNS-1123 release name, as Helm requires. */
export function releaseNameFor(target: Target): string {
  const raw = target.helm?.releaseName ?? target.name.split('/').filter(Boolean).pop() ?? 'release';
  const cleaned = raw.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 53);
  return cleaned || 'release';
}

/** References of a target to ConfigMaps and Secrets, whose defining files are inputs of the target. */
export function valuesReferencesOf(target: Target): ValuesReference[] {
  return [...(target.flux?.postBuild?.substituteFrom ?? []), ...(target.helm?.valuesFrom ?? [])];
}

/** A target that exists because something was evaluated (an ApplicationSet, a parent's render): its definition may change with any file. */
export function isGenerated(target: Target): boolean {
  return target.parent !== undefined || target.declaredBy?.kind === 'ApplicationSet';
}

/** The source a declaration names: a git repository (Argo CD repoURL, Flux GitRepository) or another kind. */
export interface TargetSource {
  /** "git" for Argo CD; the Flux source kind (GitRepository, OCIRepository, Bucket, HelmRepository…). */
  kind: string;
  /** "namespace/name" of a Flux source object. */
  name?: string;
  /** Its URL, when the repository defines the source object (Flux) or names it (Argo CD). */
  url?: string;
  /** The branch the source follows; absent for the repository's default (Argo CD HEAD) or when not said. */
  branch?: string;
  /** A fixed revision ("tag v1.2.0", "commit 1a2b…"): no merge changes what it deploys. */
  pinned?: string;
  /** Why what the source holds cannot be told from the repository (an artifact built in a way not evaluated). */
  unevaluated?: string;
}

/** A declaration seen in the repository that safe-deploy does not render, and why. */
export interface NotRendered {
  name: string;
  declaredBy: TargetDeclaration;
  reason: string;
  /** The declaration fails at this revision, or is past a limit: what it deploys cannot be predicted. */
  failed?: true;
}

/**
 * What a target is, never its name alone (a new declaration may reuse any name):
 * the declaring object and its file, or the renderer and path of a directory.
 */
export function targetIdentity(target: Target): string {
  const d = target.declaredBy;
  // target.name, not d.name: a multi-source Application declares one target per source.
  const own = d ? `${d.kind}|${d.namespace ?? ''}|${target.name}|${d.file}` : `${target.renderer}|${target.path}`;
  return target.parent ? `${own}<${targetIdentity(target.parent)}` : own;
}

export function dirOf(file: string): string {
  const slash = file.lastIndexOf('/');
  return slash === -1 ? '.' : file.slice(0, slash);
}

/** "." for the root becomes "", as snapshot paths are written. */
export function repoDir(path: string): string {
  return path === '.' ? '' : path;
}
