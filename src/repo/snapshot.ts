// One revision of a repository: its file list, file contents read straight from
// git, and files written on demand to a temporary directory (through a private
// index) for the renderers that need a directory. The user's working tree and
// index are never touched.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, posix } from 'node:path';
import { RenderError } from '../errors.js';
import { formatBytes } from '../util/bytes.js';
import { unguessableDir } from '../util/unguessable-dir.js';
import { caches as threadCaches, type Caches } from '../util/cache.js';
import type { DiskCache } from '../util/disk-cache.js';
import { BlobReader } from './blobs.js';
import { checkoutablePath, git, grepFiles, listTree, type TreeEntry } from './git.js';
import { MAX_LINK_HOPS, walkPath, type Reached, type WalkableTree } from './walk-path.js';

export const MAX_FILE_BYTES = 32 * 1024 * 1024;
const SYMLINK_MODE = '120000';
// Directory symlinks are written out as copies: a bound on what they can multiply to.
const MAX_LINKED_FILES = 20_000;

/** Linux's limits, in bytes: a whole path (with its terminating NUL) and one name in it. */
const PATH_MAX = 4096;
const NAME_MAX = 255;

/** A long path as an error message shows it: its start and its end. */
function shorten(path: string): string {
  return path.length <= 120 ? path : `${path.slice(0, 60)}…${path.slice(-50)}`;
}

/**
 * Why `path` cannot be written under `root`, or null when it can. Git writes a
 * file by its path relative to the copy, renderers and the clean-up open it by
 * its full path: past the kernel's limits one of them fails.
 */
function unwritable(root: string, path: string): string | null {
  const limit = PATH_MAX - 1 - Buffer.byteLength(`${root}/`);
  const bytes = Buffer.byteLength(path);
  if (bytes > limit) return `the path "${shorten(path)}" is ${bytes} bytes long, over the ${limit} bytes a render copy can hold; shorten it`;
  const name = path.split('/').find((part) => Buffer.byteLength(part) > NAME_MAX);
  if (name !== undefined) return `the path "${shorten(path)}" has a name of ${Buffer.byteLength(name)} bytes, over the ${NAME_MAX} a file system allows; shorten it`;
  return null;
}

/** "a/b/c.yaml" → "a/b"; top-level files → "". */
export function parentDir(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash === -1 ? '' : path.slice(0, slash);
}

/** A repository path joined and normalized, or null when it leaves the repository. */
export function resolveInRepo(from: string, relative: string): string | null {
  if (posix.isAbsolute(relative)) return null;
  const joined = posix.normalize(posix.join(from || '.', relative));
  if (joined === '..' || joined.startsWith('../')) return null;
  return joined === '.' ? '' : joined.replace(/\/$/, '');
}

// Blob texts by id, shared by every snapshot of the process: base and head share
// most files, and a server reviews the same trees push after push.
const texts = (caches: Caches) => caches.region<string>('blob texts', (text) => text.length * 2);

// Tree listings by commit: a server lists the same base again for every push.
const TREE_ENTRY_BYTES = 200;
function treeOf(caches: Caches, repo: string, sha: string): Promise<Map<string, TreeEntry>> {
  return caches.region<Map<string, TreeEntry>>('trees', (tree) => tree.size * TREE_ENTRY_BYTES).remember(`${repo}\0${sha}`, () => listTree(repo, sha));
}

export class Snapshot {
  private written = new Map<string, Promise<void>>();
  private linkedFiles = 0;
  private indexReady: Promise<void> | null = null;
  private byDir: Map<string, string[]> | null = null;
  private readonly blobs: BlobReader;

  private constructor(
    readonly repo: string,
    readonly sha: string,
    /** Directory the files are written to; renderers that need a directory read from here. */
    readonly root: string,
    /** Every file of the revision with its blob id (equal ids mean equal content). */
    readonly files: Map<string, TreeEntry>,
    private readonly scratch: string,
    /** The caches of the review this snapshot belongs to: the code that reads it remembers through them. */
    readonly caches: Caches,
    /** The review's render cache on disk, when it has one: renders of this repository by earlier reviews and processes. */
    readonly stored: DiskCache | null,
  ) {
    this.blobs = new BlobReader(repo);
  }

  static async open(repo: string, sha: string, caches: Caches = threadCaches, stored: DiskCache | null = null): Promise<Snapshot> {
    const files = await treeOf(caches, repo, sha);
    const scratch = await mkdtemp(join(tmpdir(), 'safe-deploy-'));
    return new Snapshot(repo, sha, await unguessableDir(scratch), files, scratch, caches, stored);
  }

  /** Paths directly inside `dir` ("" for the root), sorted. */
  filesIn(dir: string): string[] {
    if (!this.byDir) {
      this.byDir = new Map();
      for (const path of [...this.files.keys()].sort()) {
        const parent = parentDir(path);
        const list = this.byDir.get(parent);
        if (list) list.push(path);
        else this.byDir.set(parent, [path]);
      }
    }
    return this.byDir.get(dir === '.' ? '' : dir) ?? [];
  }

  /** Paths anywhere below `dir`, sorted. */
  filesUnder(dir: string): string[] {
    const prefix = dir === '' || dir === '.' ? '' : `${dir}/`;
    return [...this.files.keys()].filter((p) => p.startsWith(prefix)).sort();
  }

  private dirs: Set<string> | null = null;

  hasDir(dir: string): boolean {
    if (!this.dirs) {
      this.dirs = new Set(['']);
      for (const path of this.files.keys()) {
        for (let slash = path.indexOf('/'); slash !== -1; slash = path.indexOf('/', slash + 1)) this.dirs.add(path.slice(0, slash));
      }
    }
    return this.dirs.has(dir === '.' ? '' : dir);
  }

  /** Manifest files (YAML/JSON) of the revision that contain any of the strings. */
  grep(needles: string[]): Promise<string[]> {
    return grepFiles(this.repo, this.sha, needles, ['*.yaml', '*.yml', '*.json']);
  }

  isSymlink(path: string): boolean {
    return this.files.get(path)?.mode === SYMLINK_MODE;
  }

  private readonly tree: WalkableTree = {
    entry: (path) => this.files.get(path),
    isDir: (path) => this.hasDir(path),
    isSymlink: (entry) => entry.mode === SYMLINK_MODE,
    readLink: async (entry) => (await this.blobs.read(entry.oid, 4096)).data?.toString('utf8') ?? '',
  };

  /** Where a path leads in this revision, symlinks followed as the kernel would; a RenderError naming it when it leaves the repository. */
  async resolve(path: string): Promise<Reached> {
    const entry = this.files.get(path);
    return entry && entry.mode !== SYMLINK_MODE ? { kind: 'file', path, entry, links: [] } : walkPath(this.tree, path);
  }

  /**
   * The files of the revision whose content decides what `path` reads: the
   * symlinks on the way and the file reached, or every file of a linked
   * directory. A change to any of them changes the render.
   */
  async dependencies(path: string, expanding = new Set<string>()): Promise<string[]> {
    let reached: Reached;
    try {
      reached = await this.resolve(path);
    } catch {
      return [path]; // refused: rendering reports it
    }
    const found = [...reached.links];
    if (reached.kind === 'file') found.push(reached.path);
    if (reached.kind === 'dir') found.push(...(await this.directoryDependencies(reached.path, expanding)));
    return found;
  }

  // What a linked directory depends on, once per directory: many links to one chain of linked
  // directories must not cost links × chain × tree.
  private readonly linkedDirectories = new Map<string, string[]>();

  private async directoryDependencies(dir: string, expanding: Set<string>): Promise<string[]> {
    const known = this.linkedDirectories.get(dir);
    if (known) return known;
    if (expanding.has(dir)) return []; // a loop: that directory's files are being listed already
    expanding.add(dir);
    const found = new Set<string>();
    for (const file of this.filesUnder(dir)) {
      for (const dependency of await this.dependencies(file, expanding)) found.add(dependency);
      if (found.size > MAX_LINKED_FILES) break; // rendering refuses that many anyway
    }
    expanding.delete(dir);
    const list = [...found];
    this.linkedDirectories.set(dir, list);
    return list;
  }

  /** A file's text, following symlinks inside the repository; RenderErrors name the file. */
  async readText(path: string, maxBytes = MAX_FILE_BYTES): Promise<string> {
    const reached = await this.resolve(path);
    if (reached.kind !== 'file') {
      const what = reached.kind === 'dir' ? 'is a directory' : 'not found';
      throw new RenderError(reached.path === path ? `file ${what}` : `symlink target ${reached.path} ${what}`, path);
    }
    const entry = reached.entry;
    const cached = texts(this.caches).get(entry.oid);
    if (cached !== undefined && cached.length <= maxBytes) return cached;
    const bytes = await this.readBlob(entry, path, maxBytes);
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      throw new RenderError('file is not valid UTF-8', path);
    }
    texts(this.caches).set(entry.oid, text);
    return text;
  }

  private async readBlob(entry: TreeEntry, path: string, maxBytes = MAX_FILE_BYTES): Promise<Buffer> {
    const { size, data } = await this.blobs.read(entry.oid, maxBytes);
    if (!data) throw new RenderError(`file is ${formatBytes(size)}, over the ${formatBytes(maxBytes)} limit`, path);
    return data;
  }

  /**
   * Writes the given paths under `root`, as regular files and directories only:
   * a symlink (or a path through one) is resolved inside the revision and what
   * it reaches is written in its place — a file's content, or a directory's
   * files. A link that leaves the repository, loops or dangles fails with a
   * RenderError naming it; a path the copy cannot hold fails, before anything
   * is written, with a RenderError naming `requestedBy` (what brought it in).
   * Paths that exist nowhere are skipped.
   */
  async materialize(paths: Iterable<string>, requestedBy: string): Promise<void> {
    const wanted = [...new Set(paths)].filter((p) => !this.written.has(p));
    for (const path of wanted) {
      const problem = unwritable(this.root, path);
      if (problem) throw new RenderError(problem, requestedBy);
    }
    const plain = wanted.filter((p) => this.files.has(p) && !this.isSymlink(p));
    const linked = wanted.filter((p) => !this.files.has(p) || this.isSymlink(p));
    // Concurrent renders of one revision share files: each path is written once, and waited for by all.
    if (plain.length > 0) {
      const writing = this.exclusive(() => this.checkout(plain));
      for (const p of plain) this.written.set(p, writing);
    }
    for (const p of linked) this.written.set(p, this.exclusive(() => this.writeResolved(p, p, 0)));
    // Every write ends before the first failure is reported: a copy being written cannot be removed.
    const results = await Promise.allSettled([...new Set(paths)].map((p) => this.written.get(p)));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  // One writer at a time: git checks a path's leading directories before it writes, and a
  // directory another writer makes in between makes it fail ("unable to unlink").
  private queue: Promise<unknown> = Promise.resolve();

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Writes at `dest` what `source` reaches: a regular file, or a directory's files one by one. */
  private async writeResolved(dest: string, source: string, depth: number): Promise<void> {
    const reached = await this.resolve(source);
    if (reached.kind === 'missing') {
      if (!this.files.has(source)) return; // neither a file nor a link: nothing to write
      throw new RenderError(`symlink target ${reached.path} not found`, dest);
    }
    if (reached.kind === 'file') {
      if (++this.linkedFiles > MAX_LINKED_FILES) throw new RenderError(`symlinks expand to over ${MAX_LINKED_FILES} files; refused`, dest);
      const data = await this.readBlob(reached.entry, dest);
      await this.writeFile(dest, data);
      return;
    }
    const dir = reached.path;
    if (dir === '' || dest === dir || dest.startsWith(`${dir}/`)) throw new RenderError(`symlink to ${dir || 'the repository root'}, a directory that contains it; refused`, dest);
    if (depth >= MAX_LINK_HOPS) throw new RenderError('too many levels of symbolic links to directories; refused', dest);
    for (const file of this.filesUnder(dir)) {
      const inside = `${dest}/${file.slice(dir.length + 1)}`;
      await this.writeResolved(inside, file, depth + 1);
    }
  }

  private async writeFile(path: string, data: Buffer): Promise<void> {
    const full = join(this.root, path);
    // Paths are repository paths without "..": anything else is a bug, and must not write outside the copy.
    if (!full.startsWith(`${this.root}/`) || !checkoutablePath(path)) throw new RenderError('is not a path a checkout can hold; refused', path);
    try {
      await mkdir(dirname(full), { recursive: true });
      await writeFile(full, data);
    } catch (error) {
      throw new RenderError(`cannot be written for the renderer (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, path);
    }
  }

  private async checkout(paths: string[]): Promise<void> {
    // Only the repository's own configuration: no system or user git config can add a smudge filter or hook
    // that a .gitattributes in the merge request would then run with the server's environment.
    const env = { GIT_INDEX_FILE: join(this.scratch, 'index'), GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', GIT_ATTR_NOSYSTEM: '1' };
    this.indexReady ??= git(this.repo, ['read-tree', this.sha], { env }).then(() => undefined);
    await this.indexReady;
    await git(this.repo, [`--work-tree=${this.root}`, 'checkout-index', '-f', '-z', '--stdin'], { env, input: paths.join('\0') });
  }

  async dispose(): Promise<void> {
    this.blobs.close();
    try {
      await rm(this.scratch, { recursive: true, force: true });
    } catch {
      // Node cannot remove a tree deeper than PATH_MAX; GNU rm can. A copy that cannot go never fails the review.
      await new Promise((resolve) => execFile('rm', ['-rf', '--', this.scratch], () => resolve(undefined)));
    }
  }
}
