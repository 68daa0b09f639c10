// Which declared targets render from this repository: an Argo CD Application whose
// repoURL, or a Flux Kustomization whose source, is another repository is not ours to
// render (its path names files of that repository, not of this one).
import { normalizeRepoURL } from './repo-url.js';
import type { NotRendered, Target } from './target.js';

/** The Flux source that `flux bootstrap` creates for the repository it writes to. */
const BOOTSTRAP_SOURCE = 'flux-system/flux-system';

/**
 * The URLs this repository is known by: those given (platform, CI, config, git
 * remotes), else the URL of the Flux bootstrap source the repository defines.
 * Empty when nothing tells: then every source with a URL counts as this repository.
 */
export function repositoryURLs(known: Set<string>, targets: Target[]): Set<string> {
  if (known.size) return known;
  const bootstrap = targets.find((t) => t.source?.kind === 'GitRepository' && t.source.name === BOOTSTRAP_SOURCE && t.source.url);
  const url = bootstrap && normalizeRepoURL(bootstrap.source!.url!);
  return url ? new Set([url]) : known;
}

/** Why a target does not render from this repository, or null when it does. */
export function foreignSource(target: Target, known: Set<string>): string | null {
  const source = target.source;
  if (!source) return null;
  if (source.unevaluated) return source.unevaluated;
  const named = source.name ? ` ${source.name}` : '';
  if (source.kind !== 'git' && source.kind !== 'GitRepository') return `source is ${source.kind}${named}, not this repository`;
  if (!source.url) {
    // A Flux GitRepository the repository does not define: only the bootstrap source is known to be this one.
    return source.kind === 'GitRepository' && source.name !== BOOTSTRAP_SOURCE ? `source GitRepository${named} is not defined in this repository` : null;
  }
  const url = normalizeRepoURL(source.url);
  if (known.size === 0) return null;
  return url !== null && known.has(url) ? null : `source is another repository (${url ?? "an unreadable URL"})`;
}

/** Targets split into this repository's and the others, each of those with its reason. */
export function splitByRepository(targets: Target[], known: Set<string>): { ours: Target[]; foreign: NotRendered[] } {
  const ours: Target[] = [];
  const foreign: NotRendered[] = [];
  for (const target of targets) {
    const reason = foreignSource(target, known);
    if (reason === null) ours.push(target);
    else if (target.declaredBy) foreign.push({ name: target.name, declaredBy: target.declaredBy, reason });
  }
  return { ours, foreign };
}
