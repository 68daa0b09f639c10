// Telling this repository's URL from another's: Argo CD and Flux name their source
// by URL, in whichever form (https, ssh, scp-like, with or without .git) its author used.

/**
 * "https://user@GitHub.com:443/Org/Repo.git/", "git@github.com:org/repo",
 * "ssh://git@github.com:22/org/repo.git" → "github.com/org/repo". Credentials, port,
 * scheme, `.git` and case are not part of which repository it is. null when it is no URL.
 */
export function normalizeRepoURL(url: string): string | null {
  const text = url.trim();
  let host: string;
  let path: string;
  const scp = /^(?:[^@/\s]+@)?([^:/\s]+):(?!\/\/)(.+)$/.exec(text);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    let parsed: URL;
    try {
      parsed = new URL(text);
    } catch {
      return null;
    }
    host = parsed.hostname;
    path = decodeURIComponent(parsed.pathname);
  } else if (scp) {
    [, host, path] = scp as unknown as [string, string, string];
  } else {
    return null;
  }
  const clean = path.replace(/^\/+|\/+$/g, '').replace(/\.git$/i, '').replace(/\/+$/, '');
  return host && clean ? `${host}/${clean}`.toLowerCase() : null;
}

/** The normalized forms of the URLs this repository is known by. */
export function knownRepository(urls: Iterable<string>): Set<string> {
  const known = new Set<string>();
  for (const url of urls) {
    const normalized = normalizeRepoURL(url);
    if (normalized) known.add(normalized);
  }
  return known;
}
