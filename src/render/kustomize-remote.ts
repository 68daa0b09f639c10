// Which kustomization references kustomize fetches from the network instead of
// reading from the repository. The rules follow kustomize's own loader (api
// internal/loader and internal/git/repospec.go), so that nothing it would fetch
// reaches it: a file reference is fetched when it is an http(s) URL; a reference
// that may be a directory (resources, bases, components, generators,
// transformers, validators) is cloned when it parses as a git repository spec,
// which kustomize tries before any local directory of that name.

const URL_SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;
const REPO_SCHEMES = ['ssh://', 'https://', 'http://', 'file://'];
const USERNAME = /^[a-zA-Z][a-zA-Z0-9-]*@/;

/** A file reference kustomize downloads (an http(s) URL), or any other URL, which never names a file of the repository. */
export function isRemoteFile(ref: string): boolean {
  return /^https?:/i.test(ref) || URL_SCHEME.test(ref);
}

/** A resource, base, component or plugin reference kustomize fetches: a remote file or a git repository. */
export function isRemoteBase(ref: string): boolean {
  return isRemoteFile(ref) || isRepoSpec(ref);
}

function withoutPrefix(text: string, prefix: string): string {
  return text.toLowerCase().startsWith(prefix) ? text.slice(prefix.length) : text;
}

/** Whether kustomize finds a repository in the path part of a spec ("org/repo", "x/_git/repo", "repo.git", "host//dir"). */
function hasRepoPath(path: string, wholePath: boolean): boolean {
  if (path.includes('_git/')) return true;
  const doubleSlash = path.indexOf('//');
  if (doubleSlash !== -1) return doubleSlash > 0;
  if (path.includes('.git')) return true;
  return wholePath ? path !== '' : path.includes('/');
}

/**
 * Whether kustomize takes `ref` for a git repository to clone: after an optional
 * "git::", a ssh/https/http/file URL, or an scp-like "user@host:path" or
 * "github.com/org/repo", with a repository in its path. Where kustomize would
 * still reject the spec for a reason that only a URL can have, this says true.
 */
function isRepoSpec(ref: string): boolean {
  if (ref.startsWith('/')) return false;
  let rest = withoutPrefix(ref.split('?', 1)[0]!, 'git::');
  const scheme = REPO_SCHEMES.find((s) => rest.toLowerCase().startsWith(s)) ?? '';
  rest = rest.slice(scheme.length);
  const user = USERNAME.exec(rest)?.[0] ?? '';
  rest = rest.slice(user.length);
  if (scheme === 'file://') return hasRepoPath(user + rest, true);
  const scp = scheme === '' && (user !== '' || /^github\.com[/:]/i.test(rest));
  if (scheme === '' && !scp) return false;
  // The host ends at the first "/", or, scp-like, at a ":" before it.
  let separator = rest.indexOf('/');
  const colon = rest.indexOf(':');
  if (scp && (separator === -1 || (colon > 0 && colon < separator))) separator = colon;
  return separator !== -1 && hasRepoPath(rest.slice(separator + 1), false);
}
