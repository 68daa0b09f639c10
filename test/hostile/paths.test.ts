// Paths longer than a file system can hold, in the renderers that write a copy of
// the revision: each fails its own target with a clear message, the rest of the
// review goes on, and no temporary directory is left behind.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { TestRepo } from '../helpers/git-repo.js';
import { configMap } from '../helpers/manifests.js';

let repo: TestRepo;
let scratch: string;
afterEach(() => {
  repo.dispose();
  // rm(1) removes trees deeper than PATH_MAX, should a regression leave one.
  execFileSync('rm', ['-rf', scratch]);
});

/** Commits files straight into git's index: no work tree could hold these paths. */
function commitLongPaths(files: Record<string, string>): string {
  for (const [path, content] of Object.entries(files)) {
    const oid = execFileSync('git', ['hash-object', '-w', '--stdin'], { cwd: repo.dir, input: content, encoding: 'utf8' }).trim();
    repo.git('update-index', '--add', '--cacheinfo', `100644,${oid},${path}`);
  }
  repo.git('commit', '-q', '-m', 'long paths');
  return repo.git('rev-parse', 'HEAD');
}

/** A path of `length` characters in directories of 200 ("dddd…/dddd…/cm.yaml"). */
function longPath(prefix: string, length: number): string {
  let path = prefix;
  while (path.length + 201 + '/cm.yaml'.length <= length) path += `/${'d'.repeat(200)}`;
  path += `/${'e'.repeat(length - path.length - 1 - '/cm.yaml'.length)}`;
  return `${path}/cm.yaml`;
}

describe('over-long paths', () => {
  it('fail only their own kustomize or Helm target, and every temporary directory is removed', async () => {
    repo = new TestRepo();
    scratch = mkdtempSync(join(tmpdir(), 'paths-tmp-'));
    // Git can write this one under the render copy, but its full path is past PATH_MAX: nothing could remove it.
    const fits = longPath('kust', 4_070);
    const tooLong = longPath('far', 5_000);
    const longName = `named/${'n'.repeat(300)}.yaml`;
    const template = longPath('chart/templates', 4_070);
    expect([fits.length, tooLong.length, template.length]).toEqual([4_070, 5_000, 4_070]);
    const base = repo.commit({ 'ok/cm.yaml': configMap('ok', { a: '1' }) });
    repo.commit({
      'ok/cm.yaml': configMap('ok', { a: '2' }),
      'kust/kustomization.yaml': `resources: ["${fits.slice('kust/'.length)}"]\n`,
      'far/kustomization.yaml': `resources: ["${tooLong.slice('far/'.length)}"]\n`,
      'named/kustomization.yaml': `resources: ["${longName.slice('named/'.length)}"]\n`,
      'chart/Chart.yaml': 'apiVersion: v2\nname: chart\nversion: 1.0.0\n',
    });
    const head = commitLongPaths({ [fits]: configMap('fits', {}), [tooLong]: configMap('far', {}), [longName]: configMap('named', {}), [template]: configMap('template', {}) });

    const out = await cli(['review', '--repo', repo.dir, '--base', base, '--head', head, '--format', 'json'], { TMPDIR: scratch });
    expect(out.stderr).toBe('');
    expect(out.status).toBe(1);
    const targets = Object.fromEntries((JSON.parse(out.stdout).targets as Array<{ name: string; status: string; error?: string }>).map((t) => [t.name, t]));
    expect(targets.ok).toMatchObject({ status: 'ok' });
    // Shown by their first 60 and last 50 characters.
    expect(targets.kust!.error).toMatch(/^kust\/kustomization\.yaml: the path "kust\/d{55}…[de/]{42}\/cm\.yaml" is 4070 bytes long, over the 40\d\d bytes a render copy can hold; shorten it$/);
    expect(targets.far!.error).toMatch(/^far\/kustomization\.yaml: the path "far\/d{56}…[de/]{42}\/cm\.yaml" is 5000 bytes long, over the 40\d\d bytes a render copy can hold; shorten it$/);
    expect(targets.named!.error).toMatch(/^named\/kustomization\.yaml: the path "named\/n{54}…n{45}\.yaml" has a name of 305 bytes, over the 255 a file system allows; shorten it$/);
    expect(targets.chart!.error).toMatch(/^chart\/Chart\.yaml: the path "chart\/templates\/d{44}…[de/]{42}\/cm\.yaml" is 4070 bytes long, over the 40\d\d bytes a render copy can hold; shorten it$/);
    // Only the renderers' version cache, a file, stays in the temporary directory.
    expect(readdirSync(scratch, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name)).toEqual([]);
  });
});
