// Which declared targets render from this repository: an Argo CD Application whose
// repoURL, or a Flux Kustomization whose source, is another repository is not ours to
// render (its path names files of that repository, not of this one).
import { normalizeRepoURL } from './repo-url.js';
import type { NotRendered, Target } from '../core/target.js';

/** The Flux source that `flux bootstrap` creates for the repository it writes to. */
const BOOTSTRAP_SOURCE = 'flux-system/flux-system';

/** What this repository is to the declarations in it: the URLs it is known by and the branch the merge request targets. */
export interface RepositoryScope {
  urls: Set<string>;
  branch?: string;
}

const bootstrapOf = (targets: Target[]) => targets.find((t) => t.source?.kind === 'GitRepository' && t.source.name === BOOTSTRAP_SOURCE)?.source;

/**
 * The URLs this repository is known by: those given (platform, CI, config, git
 * remotes), else the URL of the Flux bootstrap source the repository defines.
 * Empty when nothing tells: then every source with a URL counts as this repository.
 * The branch: the merge request's target branch, else the bootstrap source's.
 */
export function repositoryScope(known: Set<string>, branch: string | undefined, targets: Target[]): RepositoryScope {
  const bootstrap = bootstrapOf(targets);
  const url = !known.size && bootstrap?.url ? normalizeRepoURL(bootstrap.url) : null;
  const tracked = branch ?? bootstrap?.branch;
  return { urls: url ? new Set([url]) : known, ...(tracked ? { branch: tracked } : {}) };
}

/** Why a target does not render from this repository, or null when it does. */
export function foreignSource(target: Target, scope: RepositoryScope): string | null {
  const source = target.source;
  if (!source) return null;
  if (source.unevaluated) return source.unevaluated;
  const named = source.name ? ` ${source.name}` : '';
  if (source.kind !== 'git' && source.kind !== 'GitRepository') return `source is ${source.kind}${named}, not this repository`;
  if (!source.url) {
    // A Flux GitRepository the repository does not define: only the bootstrap source is known to be this one.
    if (source.kind === 'GitRepository' && source.name !== BOOTSTRAP_SOURCE) return `source GitRepository${named} is not defined in this repository`;
  } else if (scope.urls.size) {
    const url = normalizeRepoURL(source.url);
    if (url === null || !scope.urls.has(url)) return `source is another repository (${url ?? 'an unreadable URL'})`;
  }
  // This repository, but a revision a merge into the branch does not move.
  if (source.pinned) return `source is pinned to ${source.pinned}: merging does not change what it deploys`;
  if (source.branch && scope.branch && source.branch !== scope.branch) return `source follows revision ${source.branch}, not branch ${scope.branch}`;
  return null;
}

/** Targets split into this repository's and the others, each of those with its reason. */
export function splitByRepository(targets: Target[], scope: RepositoryScope): { ours: Target[]; foreign: NotRendered[] } {
  const ours: Target[] = [];
  const foreign: NotRendered[] = [];
  for (const target of targets) {
    const reason = foreignSource(target, scope);
    if (reason === null) ours.push(target);
    else if (target.declaredBy) foreign.push({ name: target.name, declaredBy: target.declaredBy, reason });
  }
  return { ours, foreign };
}
