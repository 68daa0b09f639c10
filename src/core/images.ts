// Container image references: repository, tag, digest, and semver order of tags.

export interface ImageRef {
  repository: string;
  tag: string | null;
  digest: string | null;
}

export function parseImage(image: string): ImageRef {
  const at = image.indexOf('@');
  const digest = at === -1 ? null : image.slice(at + 1);
  const named = at === -1 ? image : image.slice(0, at);
  const colon = named.lastIndexOf(':');
  const hasTag = colon > named.lastIndexOf('/');
  return { repository: hasTag ? named.slice(0, colon) : named, tag: hasTag ? named.slice(colon + 1) : null, digest };
}

/** [major, minor, patch, prerelease] of a semver-like tag ("v1.2.3", "1.2", "1.2.3-rc.1"), or null. */
function semver(tag: string): [number, number, number, string] | null {
  const match = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:-([0-9A-Za-z.-]+))?$/.exec(tag);
  if (!match) return null;
  return [Number(match[1]), Number(match[2] ?? 0), Number(match[3] ?? 0), match[4] ?? ''];
}

/** Negative when a < b, positive when a > b, null when either is not semver. */
export function compareTags(a: string, b: string): number | null {
  const [x, y] = [semver(a), semver(b)];
  if (!x || !y) return null;
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return (x[i] as number) - (y[i] as number);
  if (x[3] === y[3]) return 0;
  if (!x[3]) return 1; // a release is above its prereleases
  if (!y[3]) return -1;
  return x[3] < y[3] ? -1 : 1;
}
