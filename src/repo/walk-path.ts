// Following a path through a git tree as the kernel follows it through a
// checkout (path_resolution(7)): component by component, each symlink replaced
// by its target relative to the directory the link sits in, `..` taken from the
// directory actually reached rather than from the text, at most 40 links. A
// path that reaches outside the tree is refused. Render copies never hold a
// symlink: this walk is the only place links are followed.
import { RenderError } from '../errors.js';
import type { TreeEntry } from './git.js';

/** As many links as Linux follows in one lookup before ELOOP. */
export const MAX_LINK_HOPS = 40;

export type Reached = (
  | { kind: 'file'; path: string; entry: TreeEntry }
  | { kind: 'dir'; path: string }
  /** Nothing there; `path` is how far the walk got. */
  | { kind: 'missing'; path: string }
) & {
  /** The symlinks followed on the way, in order. */
  links: string[];
};

export interface WalkableTree {
  entry(path: string): TreeEntry | undefined;
  isDir(path: string): boolean;
  isSymlink(entry: TreeEntry): boolean;
  /** A symlink's target text. */
  readLink(entry: TreeEntry): Promise<string>;
}

/** "symlink" when the path is the link itself, else which link on the way. */
function linkName(link: string, path: string): string {
  return link === path ? 'symlink' : `symlink ${link}`;
}

/** Where `path` (relative to the repository root) leads; a RenderError naming `path` when it leaves the repository or loops. */
export async function walkPath(tree: WalkableTree, path: string): Promise<Reached> {
  // Components still to walk, the next one last; `at` holds the directories reached.
  const pending = path.split('/').reverse();
  const at: string[] = [];
  let hops = 0;
  const links: string[] = [];
  while (pending.length > 0) {
    const part = pending.pop()!;
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (at.length === 0) throw new RenderError(`${links.length === 0 ? '".."' : linkName(links[links.length - 1]!, path)} leads outside the repository; refused`, path);
      at.pop();
      continue;
    }
    const here = at.length ? `${at.join('/')}/${part}` : part;
    const entry = tree.entry(here);
    if (entry && tree.isSymlink(entry)) {
      if (++hops > MAX_LINK_HOPS) throw new RenderError(`symlink loop (over ${MAX_LINK_HOPS} links); refused`, path);
      const target = await tree.readLink(entry);
      links.push(here);
      if (target.startsWith('/')) throw new RenderError(`${linkName(here, path)} points to ${target}, outside the repository; refused`, path);
      if (target === '') return { kind: 'missing', path: here, links };
      // The target replaces the link, relative to the directory the link is in (`at`).
      pending.push(...target.split('/').reverse());
      continue;
    }
    if (entry) {
      // A file in the middle of a path is "not a directory": nothing is there.
      return pending.some((p) => p !== '') ? { kind: 'missing', path: here, links } : { kind: 'file', path: here, entry, links };
    }
    if (!tree.isDir(here)) return { kind: 'missing', path: here, links };
    at.push(part);
  }
  return { kind: 'dir', path: at.join('/'), links };
}
