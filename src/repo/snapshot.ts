// One revision of a repository: its file list, file contents read straight from
// git, and files written on demand to a temporary directory (through a private
// index) for the renderers that need a directory. The user's working tree and
// index are never touched.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { RenderError } from '../errors.js';
import { formatBytes } from '../util/bytes.js';
import { BlobReader } from './blobs.js';
import { git, grepFiles, listTree, type TreeEntry } from './git.js';

export const MAX_FILE_BYTES = 32 * 1024 * 1024;
const SYMLINK_MODE = '120000';
const MAX_LINK_HOPS = 8;

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
const MAX_CACHED_BYTES = 64 * 2 ** 20;
const texts = new Map<string, string>();
let cachedBytes = 0;

function remember(oid: string, text: string): void {
  if (text.length > MAX_CACHED_BYTES / 16) return;
  texts.set(oid, text);
  cachedBytes += text.length;
  // Oldest first out: a Map iterates in insertion order.
  for (const [old, value] of texts) {
    if (cachedBytes <= MAX_CACHED_BYTES) break;
    texts.delete(old);
    cachedBytes -= value.length;
  }
}

// Tree listings by commit: a server lists the same base again for every push.
const MAX_TREES = 8;
const trees = new Map<string, Promise<Map<string, TreeEntry>>>();

function treeOf(repo: string, sha: string): Promise<Map<string, TreeEntry>> {
  const key = `${repo}\0${sha}`;
  let tree = trees.get(key);
  if (!tree) {
    tree = listTree(repo, sha);
    tree.catch(() => trees.delete(key));
    if (trees.size >= MAX_TREES) trees.delete(trees.keys().next().value as string);
    trees.set(key, tree);
  }
  return tree;
}

export class Snapshot {
  private written = new Map<string, Promise<void>>();
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
  ) {
    this.blobs = new BlobReader(repo);
  }

  static async open(repo: string, sha: string): Promise<Snapshot> {
    const files = await treeOf(repo, sha);
    const scratch = await mkdtemp(join(tmpdir(), 'safe-deploy-'));
    await mkdir(join(scratch, 'tree'));
    return new Snapshot(repo, sha, join(scratch, 'tree'), files, scratch);
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

  /**
   * Where a symlink points, as a repository path; a RenderError naming the link
   * when it points outside the repository.
   */
  async linkTarget(path: string): Promise<string> {
    const target = (await this.blobs.read(this.files.get(path)!.oid, 4096)).data?.toString('utf8') ?? '';
    const resolved = resolveInRepo(parentDir(path), target);
    if (resolved === null) throw new RenderError('symlink points outside the repository; refused', path);
    return resolved;
  }

  /** A file's text, following symlinks inside the repository; RenderErrors name the file. */
  async readText(path: string, maxBytes = MAX_FILE_BYTES): Promise<string> {
    let current = path;
    for (let hop = 0; this.isSymlink(current); hop++) {
      if (hop === MAX_LINK_HOPS) throw new RenderError('symlink loop', path);
      current = await this.linkTarget(current);
    }
    const entry = this.files.get(current);
    if (!entry) throw new RenderError(current === path ? 'file not found' : `symlink target ${current} not found`, path);
    const cached = texts.get(entry.oid);
    if (cached !== undefined && cached.length <= maxBytes) return cached;
    const { size, data: bytes } = await this.blobs.read(entry.oid, maxBytes);
    if (!bytes) throw new RenderError(`file is ${formatBytes(size)}, over the ${formatBytes(maxBytes)} limit`, path);
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      throw new RenderError('file is not valid UTF-8', path);
    }
    remember(entry.oid, text);
    return text;
  }

  /**
   * Writes the given paths (those that exist in the revision) under `root`.
   * Symlinks are written only when they stay inside the repository.
   */
  async materialize(paths: Iterable<string>): Promise<void> {
    const requested = [...new Set(paths)].filter((p) => this.files.has(p));
    for (const p of requested) if (this.isSymlink(p)) await this.linkTarget(p);
    const wanted = requested.filter((p) => !this.written.has(p));
    if (wanted.length > 0) {
      // Concurrent renders of one revision share files: each path is written once, and waited for by all.
      const writing = this.checkout(wanted);
      for (const p of wanted) this.written.set(p, writing);
    }
    await Promise.all(requested.map((p) => this.written.get(p)));
  }

  private async checkout(paths: string[]): Promise<void> {
    const env = { GIT_INDEX_FILE: join(this.scratch, 'index') };
    this.indexReady ??= git(this.repo, ['read-tree', this.sha], { env }).then(() => undefined);
    await this.indexReady;
    await git(this.repo, [`--work-tree=${this.root}`, 'checkout-index', '-f', '-z', '--stdin'], { env, input: paths.join('\0') });
  }

  async dispose(): Promise<void> {
    this.blobs.close();
    await rm(this.scratch, { recursive: true, force: true });
  }
}
