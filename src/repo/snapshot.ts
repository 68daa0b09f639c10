// A revision's files in a temporary directory, written on demand through a
// private index, so the user's working tree and index are never touched.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { git, listTree, type TreeEntry } from './git.js';

export class Snapshot {
  private written = new Set<string>();
  private indexReady: Promise<void> | null = null;

  private constructor(
    readonly repo: string,
    readonly sha: string,
    /** Directory the files are written to; renderers read from here. */
    readonly root: string,
    /** Every file of the revision with its blob id. */
    readonly files: Map<string, TreeEntry>,
    private readonly scratch: string,
  ) {}

  static async open(repo: string, sha: string): Promise<Snapshot> {
    const files = await listTree(repo, sha);
    const scratch = await mkdtemp(join(tmpdir(), 'safe-deploy-'));
    await mkdir(join(scratch, 'tree'));
    return new Snapshot(repo, sha, join(scratch, 'tree'), files, scratch);
  }

  /** Writes the given paths (those that exist in the revision) under `root`. */
  async materialize(paths: Iterable<string>): Promise<void> {
    const wanted = [...paths].filter((p) => this.files.has(p) && !this.written.has(p));
    if (wanted.length === 0) return;
    const env = { GIT_INDEX_FILE: join(this.scratch, 'index') };
    this.indexReady ??= git(this.repo, ['read-tree', this.sha], { env }).then(() => undefined);
    await this.indexReady;
    for (const p of wanted) this.written.add(p);
    await git(this.repo, [`--work-tree=${this.root}`, 'checkout-index', '-f', '-z', '--stdin'], {
      env,
      input: wanted.join('\0'),
    });
  }

  /** Paths of the revision directly inside `dir` ("" for the root). */
  filesIn(dir: string): string[] {
    const prefix = dir === '' || dir === '.' ? '' : `${dir}/`;
    return [...this.files.keys()].filter((p) => p.startsWith(prefix) && !p.slice(prefix.length).includes('/'));
  }

  async dispose(): Promise<void> {
    await rm(this.scratch, { recursive: true, force: true });
  }
}
