// Which chart version a HelmRelease (or Argo CD chart source) asks for: an exact
// version, a semver range (">=1.0.0", "6.x", "~1.2"), or none (the newest).
import semver from 'semver';

/** Whether `version` is what `wanted` asks for. */
export function versionMatches(version: string, wanted: string | undefined): boolean {
  if (!wanted || wanted === '*') return true;
  if (version === wanted) return true;
  const parsed = semver.valid(version, { loose: true });
  return parsed !== null && semver.validRange(wanted, { loose: true }) !== null && semver.satisfies(parsed, wanted, { loose: true });
}

/** The newest of `versions` that `wanted` asks for, or undefined. */
export function newestMatching(versions: string[], wanted: string | undefined): string | undefined {
  const matching = versions.filter((v) => versionMatches(v, wanted));
  return matching.sort((a, b) => (semver.valid(a) && semver.valid(b) ? semver.rcompare(a, b) : b.localeCompare(a)))[0];
}
