import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { changedFiles, mergeBase, resolveCommit } from '../../src/repo/git.js';
import { Snapshot } from '../../src/repo/snapshot.js';
import { TestRepo } from '../helpers/git-repo.js';

let repo: TestRepo;
afterEach(() => repo.dispose());

describe('repo', () => {
  it('lists added, modified and deleted files, renames as delete plus add', async () => {
    repo = new TestRepo();
    const base = repo.commit({ 'a.yaml': 'a: 1\n', 'b.yaml': 'b: 1\n', 'c/d.yaml': 'd: 1\nlong: enough to be detected as a rename\n' });
    repo.git('mv', 'c/d.yaml', 'c/e.yaml');
    const head = repo.commit({ 'a.yaml': 'a: 2\n', 'b.yaml': null, 'new.yaml': 'n: 1\n' });
    expect((await changedFiles(repo.dir, base, head)).sort()).toEqual(['a.yaml', 'b.yaml', 'c/d.yaml', 'c/e.yaml', 'new.yaml']);
  });

  it('resolves revisions to full SHAs and refuses unknown or option-like ones', async () => {
    repo = new TestRepo();
    const sha = repo.commit({ 'a.yaml': 'a: 1\n' });
    expect(await resolveCommit(repo.dir, 'main')).toBe(sha);
    expect(await resolveCommit(repo.dir, sha.slice(0, 8))).toBe(sha);
    await expect(resolveCommit(repo.dir, 'nope')).rejects.toThrow("unknown revision 'nope'");
    await expect(resolveCommit(repo.dir, '--output=/tmp/x')).rejects.toThrow('unknown revision');
    expect(await mergeBase(repo.dir, sha, sha)).toBe(sha);
  });

  it('writes only the requested files of a revision, from a bare mirror too', async () => {
    repo = new TestRepo();
    const first = repo.commit({ 'x/a.yaml': 'v: 1\n', 'y/b.yaml': 'w: 1\n' });
    repo.commit({ 'x/a.yaml': 'v: 2\n' });
    const mirror = `${repo.dir}/mirror.git`;
    repo.git('clone', '-q', '--mirror', repo.dir, mirror);
    const snapshot = await Snapshot.open(mirror, first);
    try {
      expect(snapshot.filesIn('x')).toEqual(['x/a.yaml']);
      expect(snapshot.filesIn('')).toEqual([]);
      await snapshot.materialize(['x/a.yaml', 'missing.yaml'], 'test');
      expect(readFileSync(join(snapshot.root, 'x/a.yaml'), 'utf8')).toBe('v: 1\n');
      expect(existsSync(join(snapshot.root, 'y/b.yaml'))).toBe(false);
    } finally {
      await snapshot.dispose();
    }
    expect(existsSync(snapshot.root)).toBe(false);
  });
});
