// A content-addressed cache on disk that processes share: entries are files
// named by their key, in a folder per namespace (a hash, never the caller's
// text), written whole through a temporary file and a rename, each with a
// header holding its key, length and the SHA-256 of its payload. Reads verify
// the header: a truncated, altered or foreign entry is removed and reads as
// absent. The total size stays under a bound, least recently used entries
// first (a hit touches the entry's modification time). Nothing here throws to
// the caller: a cache that cannot read or write only misses.
import { createHash, randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, mkdir, open, readdir, rename, rm, unlink, writeFile, chmod } from 'node:fs/promises';
import { join } from 'node:path';

const MAGIC = 'safe-deploy-cache';
const FORMAT = 1;
/** The header is one line of ASCII: magic, format, key, payload length, payload SHA-256. */
const MAX_HEADER = 256;
const KEY = /^[0-9a-f]{64}$/;
const NAMESPACE = /^[0-9a-f]{32}$/;
const TEMP = /^[0-9a-f]{64}\.tmp-[0-9a-f]{16}$/;
const LOCK = '.evict.lock';
/** A temporary file or an eviction lock older than this was left by a process that died. */
const STALE_MS = 10 * 60_000;
/** Eviction brings the total down to this share of the bound, so that it runs rarely. */
const LOW_WATER = 0.75;
/** A process scans again after writing this share of the bound since its last scan. */
const RESCAN_SHARE = 1 / 8;
/** No entry is larger than this share of the bound. */
const ENTRY_SHARE = 1 / 8;

export interface DiskCacheStats {
  hits: number;
  misses: number;
  /** Entries found damaged or foreign, removed. */
  corrupt: number;
  writes: number;
  failedWrites: number;
  evicted: number;
}

/** What a process knows of one cache directory, shared by every namespace it opens there. */
interface Root {
  dir: string;
  maxBytes: number;
  /** Bytes on disk at the last scan (null before the first), and written by this process since. */
  scanned: number | null;
  written: number;
  evicting: Promise<void> | null;
}

const roots = new Map<string, Root>();

function rootOf(dir: string, maxBytes: number): Root {
  let root = roots.get(dir);
  if (!root) {
    root = { dir, maxBytes, scanned: null, written: 0, evicting: null };
    roots.set(dir, root);
  }
  root.maxBytes = maxBytes;
  return root;
}

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

/** The namespace folder of an identity (a repository URL, a path): a hash, so no text of the caller becomes a path. */
export function namespaceOf(identity: string): string {
  return sha256(`safe-deploy namespace\0${identity}`).slice(0, 32);
}

export class DiskCache {
  readonly stats: DiskCacheStats = { hits: 0, misses: 0, corrupt: 0, writes: 0, failedWrites: 0, evicted: 0 };
  private readonly pending = new Set<Promise<void>>();

  private constructor(
    private readonly root: Root,
    /** The namespace's folder; null when it cannot be used (then every read misses and writes are skipped). */
    private readonly folder: string | null,
  ) {}

  /**
   * The namespace of `identity` in `dir`, made private to this user (0700). A
   * folder that is not a directory of this user (a symlink, another owner's)
   * leaves the cache off rather than writing through it.
   */
  static async open(dir: string, identity: string, maxBytes: number): Promise<DiskCache> {
    const root = rootOf(dir, maxBytes);
    const folder = join(dir, namespaceOf(identity));
    try {
      await mkdir(folder, { recursive: true, mode: 0o700 });
      const stats = await lstat(folder);
      if (!stats.isDirectory() || (process.getuid && stats.uid !== process.getuid())) return new DiskCache(root, null);
      if ((stats.mode & 0o077) !== 0) await chmod(folder, 0o700);
      return new DiskCache(root, folder);
    } catch {
      return new DiskCache(root, null);
    }
  }

  get enabled(): boolean {
    return this.folder !== null;
  }

  private pathOf(key: string): string {
    if (!KEY.test(key)) throw new Error(`not a cache key: ${key.slice(0, 80)}`);
    return join(this.folder!, key);
  }

  /** The payload stored under `key` (64 hex digits), or null; a damaged entry is removed. */
  async get(key: string): Promise<Buffer | null> {
    if (!this.folder) return null;
    const path = this.pathOf(key);
    let payload: Buffer | null = null;
    let damaged = false;
    try {
      // Never through a link, never blocking on a pipe: an entry is a file this cache wrote.
      const file = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
      try {
        const { size, isFile } = await file.stat().then((s) => ({ size: s.size, isFile: s.isFile() }));
        damaged = !isFile || size > this.root.maxBytes * ENTRY_SHARE;
        if (!damaged) {
          payload = verified(key, await file.readFile());
          damaged = payload === null;
        }
        if (payload) {
          const now = new Date();
          await file.utimes(now, now).catch(() => undefined);
        }
      } finally {
        await file.close();
      }
    } catch {
      // Absent (or a link, which O_NOFOLLOW refuses: removed below as damaged).
      damaged = await lstat(path).then(
        (s) => !s.isFile(),
        () => false,
      );
    }
    if (damaged) {
      this.stats.corrupt += 1;
      await unlink(path).catch(() => undefined);
    }
    if (payload) this.stats.hits += 1;
    else this.stats.misses += 1;
    return payload;
  }

  /** Removes the entry of `key` (its payload turned out unusable). */
  async remove(key: string): Promise<void> {
    if (!this.folder) return;
    this.stats.corrupt += 1;
    await unlink(this.pathOf(key)).catch(() => undefined);
  }

  /** Stores `payload` under `key` in the background; `flush` waits for it. A failure is counted, never thrown. */
  put(key: string, payload: Buffer | Promise<Buffer>): void {
    if (!this.folder) return;
    const path = this.pathOf(key);
    const temp = `${path}.tmp-${randomBytes(8).toString('hex')}`;
    const write = (async () => {
      try {
        const data = await payload;
        const entry = Buffer.concat([Buffer.from(`${MAGIC} ${FORMAT} ${key} ${data.length} ${sha256(data)}\n`), data]);
        if (entry.length > this.root.maxBytes * ENTRY_SHARE) return; // one entry would crowd out many
        await writeFile(temp, entry, { mode: 0o600, flag: 'wx' });
        await rename(temp, path);
        this.stats.writes += 1;
        this.root.written += entry.length;
      } catch {
        this.stats.failedWrites += 1;
        await unlink(temp).catch(() => undefined);
      }
    })();
    this.pending.add(write);
    void write.then(() => this.pending.delete(write));
  }

  /** Waits for the writes started so far, then evicts when the bound may be passed. */
  async flush(): Promise<void> {
    while (this.pending.size) await Promise.all([...this.pending]);
    const root = this.root;
    const due = root.scanned === null ? root.written > 0 : root.scanned + root.written > root.maxBytes || root.written >= root.maxBytes * RESCAN_SHARE;
    if (due) await evict(root, this.stats);
  }
}

/** The payload of an entry whose header matches `key` and the payload, else null. */
function verified(key: string, entry: Buffer): Buffer | null {
  const newline = entry.subarray(0, MAX_HEADER).indexOf(10);
  if (newline === -1) return null;
  const [magic, format, entryKey, length, digest, ...rest] = entry.subarray(0, newline).toString('latin1').split(' ');
  const payload = entry.subarray(newline + 1);
  const matches = magic === MAGIC && format === String(FORMAT) && entryKey === key && rest.length === 0 && length === String(payload.length) && digest === sha256(payload);
  return matches ? payload : null;
}

/** One eviction at a time per process, and across processes through a lock file: a second one finds the work done. */
function evict(root: Root, stats: DiskCacheStats): Promise<void> {
  root.evicting ??= evictOnce(root, stats).finally(() => (root.evicting = null));
  return root.evicting;
}

async function evictOnce(root: Root, stats: DiskCacheStats): Promise<void> {
  const lock = join(root.dir, LOCK);
  if (!(await takeLock(lock))) return;
  try {
    const now = Date.now();
    const entries: Array<{ path: string; bytes: number; used: number }> = [];
    for (const namespace of await readdir(root.dir).catch(() => [])) {
      if (!NAMESPACE.test(namespace)) continue;
      const folder = join(root.dir, namespace);
      for (const name of await readdir(folder).catch(() => [])) {
        const path = join(folder, name);
        const s = await lstat(path).catch(() => null);
        if (!s?.isFile()) continue;
        if (TEMP.test(name)) {
          if (now - s.mtimeMs > STALE_MS) await unlink(path).catch(() => undefined);
          else entries.push({ path, bytes: s.size, used: Infinity }); // being written: counted, kept
        } else if (KEY.test(name)) {
          entries.push({ path, bytes: s.size, used: s.mtimeMs });
        }
      }
    }
    let total = entries.reduce((sum, e) => sum + e.bytes, 0);
    if (total > root.maxBytes) {
      entries.sort((a, b) => a.used - b.used);
      for (const entry of entries) {
        if (total <= root.maxBytes * LOW_WATER || entry.used === Infinity) break;
        await unlink(entry.path).then(
          () => (stats.evicted += 1),
          () => undefined,
        );
        total -= entry.bytes;
      }
    }
    root.scanned = total;
    root.written = 0;
  } finally {
    await rm(lock, { force: true });
  }
}

/** Creates the lock file, taking over one left by a process that died; false while another process holds it. */
async function takeLock(lock: string): Promise<boolean> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeFile(lock, String(process.pid), { flag: 'wx', mode: 0o600 });
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') return false;
      const s = await lstat(lock).catch(() => null);
      if (s && Date.now() - s.mtimeMs < STALE_MS) return false;
      await rm(lock, { force: true });
    }
  }
  return false;
}
