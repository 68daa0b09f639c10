import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DiskCache, namespaceOf } from '../../src/util/disk-cache.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'safe-deploy-disk-cache-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const key = (n: number | string) => createHash('sha256').update(String(n)).digest('hex');
const MB = 2 ** 20;

async function stored(cache: DiskCache, k: string, payload: Buffer): Promise<void> {
  cache.put(k, payload);
  await cache.flush();
}

/** Every entry file of the cache directory, across namespaces. */
function entryFiles(): string[] {
  return readdirSync(dir)
    .filter((n) => /^[0-9a-f]{32}$/.test(n))
    .flatMap((ns) => readdirSync(join(dir, ns)).map((name) => join(dir, ns, name)));
}

describe('the render cache on disk', () => {
  it('gives back what was stored, in a private folder named by a hash of the identity', async () => {
    const cache = await DiskCache.open(dir, '../../etc/passwd', 64 * MB);
    await stored(cache, key(1), Buffer.from('payload one'));
    expect((await cache.get(key(1)))?.toString()).toBe('payload one');
    expect(await cache.get(key(2))).toBeNull();
    expect(cache.stats).toMatchObject({ hits: 1, misses: 1, writes: 1, corrupt: 0 });
    expect(readdirSync(dir)).toEqual([namespaceOf('../../etc/passwd')]);
    const folder = join(dir, namespaceOf('../../etc/passwd'));
    expect(statSync(folder).mode & 0o777).toBe(0o700);
    expect(statSync(join(folder, key(1))).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(folder, key(1)), 'latin1')).toBe(`safe-deploy-cache 1 ${key(1)} 11 ${createHash('sha256').update('payload one').digest('hex')}\npayload one`);
  });

  it('never shows one identity the entries of another', async () => {
    const a = await DiskCache.open(dir, 'github.com/acme/fleet', 64 * MB);
    const b = await DiskCache.open(dir, 'github.com/acme/other', 64 * MB);
    await stored(a, key(1), Buffer.from('of a'));
    expect(await b.get(key(1))).toBeNull();
    expect((await a.get(key(1)))?.toString()).toBe('of a');
  });

  const damages: Array<[string, (entry: Buffer, path: string) => void]> = [
    ['a flipped payload byte', (entry, path) => writeFileSync(path, Buffer.concat([entry.subarray(0, -3), Buffer.from([entry[entry.length - 3]! ^ 1]), entry.subarray(-2)]))],
    ['a truncated entry', (entry, path) => writeFileSync(path, entry.subarray(0, entry.length - 5))],
    ['garbage', (_, path) => writeFileSync(path, Buffer.alloc(4000, 7))],
    ['an empty file', (_, path) => writeFileSync(path, '')],
    ['a wrong checksum', (entry, path) => writeFileSync(path, entry.toString('latin1').replace(/ [0-9a-f]{64}\n/, ` ${key('other')}\n`), 'latin1')],
    ['another format', (entry, path) => writeFileSync(path, entry.toString('latin1').replace('safe-deploy-cache 1 ', 'safe-deploy-cache 9 '), 'latin1')],
    ['a foreign entry (another key’s, renamed)', (_, path) => writeFileSync(path, readFileSync(join(dirnameOf(path), key('donor'))))],
  ];
  const dirnameOf = (path: string) => path.slice(0, path.lastIndexOf('/'));

  it.each(damages)('ignores and removes %s', async (_, damage) => {
    const cache = await DiskCache.open(dir, 'repo', 64 * MB);
    await stored(cache, key('donor'), Buffer.from('the donor entry'));
    await stored(cache, key(1), Buffer.from('a render of some size, '.repeat(20)));
    const path = join(dir, namespaceOf('repo'), key(1));
    damage(readFileSync(path), path);
    expect(await cache.get(key(1))).toBeNull();
    expect(cache.stats.corrupt).toBe(1);
    expect(existsSync(path)).toBe(false);
    // Stored again, it reads again.
    await stored(cache, key(1), Buffer.from('again'));
    expect((await cache.get(key(1)))?.toString()).toBe('again');
  });

  it('never reads through a link, and removes the link only', async () => {
    const cache = await DiskCache.open(dir, 'repo', 64 * MB);
    const outside = join(dir, 'outside');
    writeFileSync(outside, 'not ours');
    const path = join(dir, namespaceOf('repo'), key(1));
    symlinkSync(outside, path);
    expect(await cache.get(key(1))).toBeNull();
    expect(existsSync(path)).toBe(false);
    expect(readFileSync(outside, 'utf8')).toBe('not ours');
  });

  it('stays off, without failing, where its folder cannot be made', async () => {
    writeFileSync(join(dir, namespaceOf('repo')), 'a file where the folder goes');
    const cache = await DiskCache.open(dir, 'repo', 64 * MB);
    expect(cache.enabled).toBe(false);
    cache.put(key(1), Buffer.from('x'));
    await cache.flush();
    expect(await cache.get(key(1))).toBeNull();
  });

  it('counts a failed write and carries on', async () => {
    const cache = await DiskCache.open(dir, 'repo', 64 * MB);
    rmSync(join(dir, namespaceOf('repo')), { recursive: true });
    await stored(cache, key(1), Buffer.from('x'));
    expect(cache.stats).toMatchObject({ writes: 0, failedWrites: 1 });
    cache.put(key(2), Promise.reject(new Error('could not serialize')));
    await cache.flush();
    expect(cache.stats.failedWrites).toBe(2);
  });

  it('evicts the least recently used entries first and keeps the total under the bound', async () => {
    const bound = 64 * 1024; // entries of ~6 KB: ten fit
    const cache = await DiskCache.open(dir, 'lru', bound);
    const payload = (n: number) => Buffer.alloc(5900, n);
    for (let n = 0; n < 8; n++) cache.put(key(n), payload(n));
    await cache.flush();
    // Oldest first: entry n was last used at minute n; reading entry 0 makes it the newest.
    const folder = join(dir, namespaceOf('lru'));
    for (let n = 0; n < 8; n++) utimesSync(join(folder, key(n)), new Date(2020, 0, 1, 0, n), new Date(2020, 0, 1, 0, n));
    expect((await cache.get(key(0)))?.equals(payload(0))).toBe(true);
    for (let n = 8; n < 12; n++) cache.put(key(n), payload(n));
    await cache.flush();
    const left = new Set(readdirSync(folder));
    const total = [...left].reduce((sum, name) => sum + statSync(join(folder, name)).size, 0);
    expect(total).toBeLessThanOrEqual(bound);
    // Down to three quarters of the bound: the four least recently used go, in order.
    for (const n of [1, 2, 3, 4]) expect(left.has(key(n))).toBe(false);
    for (const n of [0, 5, 6, 7, 8, 9, 10, 11]) expect(left.has(key(n))).toBe(true);
    expect(cache.stats.evicted).toBe(4);
  });

  it('evicts across namespaces under one bound and touches nothing it did not write', async () => {
    const bound = 48 * 1024;
    writeFileSync(join(dir, 'notes.txt'), 'x'.repeat(100_000));
    const a = await DiskCache.open(dir, 'a', bound);
    const b = await DiskCache.open(dir, 'b', bound);
    for (let n = 0; n < 5; n++) a.put(key(n), Buffer.alloc(5000, n));
    await a.flush();
    for (let n = 0; n < 5; n++) b.put(key(n), Buffer.alloc(5000, n));
    await b.flush();
    const total = entryFiles().reduce((sum, path) => sum + statSync(path).size, 0);
    expect(total).toBeLessThanOrEqual(bound);
    expect(readFileSync(join(dir, 'notes.txt'), 'utf8').length).toBe(100_000);
  });

  it('stays whole when processes write, read and evict at once', async () => {
    const WRITER = fileURLToPath(new URL('../helpers/disk-cache-writer.mjs', import.meta.url));
    const bound = 256 * 1024;
    const runs = [1, 2, 3, 4].map(
      (writer) =>
        new Promise<string>((resolve, reject) => {
          const child = spawn(process.execPath, ['--import', fileURLToPath(new URL('../helpers/ts-threads.mjs', import.meta.url)), WRITER, dir, String(writer), String(bound)], { stdio: ['ignore', 'pipe', 'inherit'] });
          let out = '';
          child.stdout.on('data', (d: Buffer) => (out += d));
          child.on('error', reject);
          child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`writer ${writer} exited ${code}: ${out}`))));
        }),
    );
    const reports = (await Promise.all(runs)).map((out) => JSON.parse(out) as { reads: number; wrong: number });
    // No process ever read a payload that is not one a writer stored under that key.
    expect(reports.map((r) => r.wrong)).toEqual([0, 0, 0, 0]);
    expect(reports.reduce((sum, r) => sum + r.reads, 0)).toBeGreaterThan(0);
    // What is left verifies, and a last flush keeps it under the bound.
    const cache = await DiskCache.open(dir, 'shared', bound);
    for (let n = 0; n < 40; n++) {
      const payload = await cache.get(key(n));
      if (payload) expect(payload.toString()).toMatch(new RegExp(`^key ${n} from writer [1-4]:`));
    }
    expect(cache.stats.corrupt).toBe(0);
    cache.put(key('last'), Buffer.from('last'));
    await cache.flush();
    const names = entryFiles();
    expect(names.filter((p) => !/\/[0-9a-f]{64}$/.test(p))).toEqual([]); // no temporary file left behind
    expect(names.reduce((sum, path) => sum + lstatSync(path).size, 0)).toBeLessThanOrEqual(bound);
  }, 60_000);
});
