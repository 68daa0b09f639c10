// Which controller applies a target, and how: the field manager and force flag its
// server-side dry-run must use, and whether it prunes.
import { releaseNameFor, type Target } from '../target.js';
import type { Deployer } from './model.js';

/** Overrides of the config's `live:` section. */
export interface DeployerOverrides {
  fieldManager?: string;
  force?: boolean;
  /** Argo CD's resource tracking method. */
  tracking?: Deployer['tracking'];
}

function declared(target: Target): Deployer {
  const by = target.declaredBy;
  const namespace = by?.namespace ?? null;
  if (target.sync) {
    // Argo CD's manager for server-side apply; its client-side apply overwrites what others wrote, like a forced apply.
    return { controller: 'argocd', name: by?.name ?? target.name, namespace, prune: target.sync.autoPrune === true, fieldManager: 'argocd-controller', force: true };
  }
  if (target.flux) {
    // kustomize-controller applies with forced ownership and garbage-collects only with spec.prune: true.
    return {
      controller: 'flux',
      name: by?.name ?? target.name,
      namespace,
      prune: target.prune !== false,
      fieldManager: 'kustomize-controller',
      force: true,
      ...(target.flux.recreate ? { recreatesImmutable: true as const } : {}),
    };
  }
  if (by?.kind === 'HelmRelease') {
    // An upgrade removes what leaves the chart; Helm's three-way merge overwrites other writers.
    return { controller: 'helm-controller', name: releaseNameFor(target), namespace: target.namespace, prune: true, fieldManager: 'helm-controller', force: true };
  }
  if (target.renderer === 'helm') {
    return { controller: 'helm', name: releaseNameFor(target), namespace: target.namespace, prune: true, fieldManager: 'helm', force: true };
  }
  // A CI job's `kubectl apply`: client-side apply, which overwrites, and no pruning.
  return { controller: 'kubectl', name: null, namespace: null, prune: false, fieldManager: 'kubectl-client-side-apply', force: true };
}

/** The controller that applies `target`, with the config's overrides of its field manager and force flag. */
export function deployerOf(target: Target, overrides: DeployerOverrides = {}): Deployer {
  const deployer = declared(target);
  return {
    ...deployer,
    ...(overrides.fieldManager ? { fieldManager: overrides.fieldManager } : {}),
    ...(overrides.force !== undefined ? { force: overrides.force } : {}),
    ...(overrides.tracking && deployer.controller === 'argocd' ? { tracking: overrides.tracking } : {}),
  };
}
