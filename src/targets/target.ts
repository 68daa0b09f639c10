import type { RendererName, TargetDeclaration } from '../core/model.js';
import type { JsonObject } from '../core/resource.js';
import type { ArgoSync, SyncModel } from '../core/sync/model.js';

export interface HelmOptions {
  releaseName?: string;
  /** Value files, relative to the chart directory; applied in order. */
  valueFiles?: string[];
  /** Inline values (an object, or YAML text as in Argo CD's `helm.values`); applied after the files. */
  values?: JsonObject | string;
  /** `--set` parameters, applied last. */
  parameters?: Array<{ name: string; value: string; forceString?: boolean }>;
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
  /** Argo CD targets: the Application's sync options and ignoreDifferences. */
  sync?: ArgoSync;
  /** App of apps: the target whose render declares this one. */
  parent?: Target;
}

/** How the target's controller syncs it: Argo CD's model for Applications; Helm hooks wherever Helm renders. */
export function syncModelOf(target: Target): SyncModel {
  return { ...(target.sync ? { argocd: target.sync } : {}), helmHooks: target.renderer === 'helm' || target.sync !== undefined };
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
}

/** A declaration seen in the repository that safe-deploy does not render, and why. */
export interface NotRendered {
  name: string;
  declaredBy: TargetDeclaration;
  reason: string;
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

export const MANIFEST_EXTENSIONS = /\.(ya?ml|json)$/i;

export function dirOf(file: string): string {
  const slash = file.lastIndexOf('/');
  return slash === -1 ? '.' : file.slice(0, slash);
}

/** "." for the root becomes "", as snapshot paths are written. */
export function repoDir(path: string): string {
  return path === '.' ? '' : path;
}
