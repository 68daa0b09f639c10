// Symlinks as an attacker commits them: chains that look inside the repository
// as text but climb out on disk, absolute links, links to /proc, directory
// links, loops. Helm, kustomize and plain targets; a sentinel outside the
// checkout never appears, and links that stay inside read what a real checkout
// would give.
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { tmpdir } from 'node:os';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { TestRepo } from '../helpers/git-repo.js';
import { configMap } from '../helpers/manifests.js';

const SENTINEL = 'SENTINEL-5d21e0-server-file';
const ENV_SENTINEL = 'SENTINEL-env-93b7';
let outside: string;
let repo: TestRepo;

beforeAll(() => {
  // Beside the render copies (tmpdir()/safe-deploy-XXXX/tree): two levels above a repository's root on disk.
  outside = mkdtempSync(join(tmpdir(), 'safe-deploy-outside-'));
  writeFileSync(join(outside, 'secret.yaml'), `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: stolen}\ndata: {value: ${SENTINEL}}\n`);
});
afterAll(() => rmSync(outside, { recursive: true, force: true }));
afterEach(() => repo.dispose());

const CHART = 'apiVersion: v2\nname: c\nversion: 1.0.0\n';
const chartReading = (expression: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: read}\ndata:\n  got: {{ ${expression} | quote }}\n`;

/** One review: base has an unrelated change so every target below is new at head. */
async function review(links: Record<string, string>, files: Record<string, string>) {
  repo = new TestRepo();
  const base = repo.commit({ 'ok/cm.yaml': configMap('ok', { a: '1' }) });
  for (const [path, target] of Object.entries(links)) repo.symlink(path, target);
  const head = repo.commit({ ...files, 'ok/cm.yaml': configMap('ok', { a: '2' }) });
  const out = await cli(['review', '--repo', repo.dir, '--base', base, '--head', head, '--format', 'json'], { SAFE_DEPLOY_TEST_SECRET: ENV_SENTINEL });
  expect(out.stdout + out.stderr).not.toContain(SENTINEL);
  expect(out.stdout + out.stderr).not.toContain(ENV_SENTINEL);
  expect(out.status).not.toBe(2);
  const json = JSON.parse(out.stdout) as { targets: Array<{ name: string; status: string; error?: string; changes: Array<{ name: string; diff: string }> }> };
  const byName = new Map(json.targets.map((t) => [t.name, t]));
  expect(byName.get('ok')).toMatchObject({ status: 'ok' });
  return { error: (name: string) => byName.get(name)?.error, target: (name: string) => byName.get(name) };
}

describe('symlinks that leave the repository on disk', () => {
  it('a relative chain that stays inside as text, read by .Files.Get, .Files.Glob and .Files.Lines; absolute links and /proc', async () => {
    const escape = `${'../'.repeat(4)}${basename(outside)}/secret.yaml`;
    const r = await review(
      {
        // e is templates/ of the chart; e/../../../../ climbs from there, two levels above the repository root.
        'get/files/a/b/e': '../../../templates',
        'get/files/a/b/key': `e/${escape}`,
        'glob/files/a/b/e': '../../../templates',
        'glob/files/a/b/key': `e/${escape}`,
        'lines/files/a/b/e': '../../../templates',
        'lines/files/a/b/key': `e/${escape}`,
        'abs/files/env': '/proc/self/environ',
        'proc/files/1/2/3/4/5/6/7/8/e': '../../../../../../../../../templates',
        'proc/files/1/2/3/4/5/6/7/8/env': `e/${'../'.repeat(10)}proc/self/environ`,
        'kust/o/1/2/e': '../../../base',
        'kust/o/1/2/key': `e/${escape}`,
        'p/1/2/3/evil.yaml': `sub/${'../'.repeat(3)}${basename(outside)}/secret.yaml`,
        'p/1/2/3/sub': '../../../../shared',
      },
      {
        'get/Chart.yaml': CHART,
        'get/templates/cm.yaml': chartReading('.Files.Get "files/a/b/key"'),
        'glob/Chart.yaml': CHART,
        'glob/templates/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: read}\ndata:\n{{ (.Files.Glob "files/**").AsConfig | indent 2 }}\n',
        'lines/Chart.yaml': CHART,
        'lines/templates/cm.yaml': chartReading('.Files.Lines "files/a/b/key" | join ","'),
        'abs/Chart.yaml': CHART,
        'abs/templates/cm.yaml': chartReading('.Files.Get "files/env"'),
        'proc/Chart.yaml': CHART,
        'proc/templates/cm.yaml': chartReading('.Files.Get "files/1/2/3/4/5/6/7/8/env"'),
        'kust/base/cm.yaml': configMap('base', { a: '1' }),
        'kust/o/1/2/kustomization.yaml': 'configMapGenerator:\n  - name: stolen\n    files: [key]\n',
        'shared/cm.yaml': configMap('shared', { a: '1' }),
      },
    );
    for (const chart of ['get', 'glob', 'lines']) {
      expect(r.error(chart)).toBe(`${chart}/files/a/b/key: symlink ${chart}/files/a/b/e leads outside the repository; refused`);
    }
    expect(r.error('abs')).toBe('abs/files/env: symlink points to /proc/self/environ, outside the repository; refused');
    expect(r.error('proc')).toBe('proc/files/1/2/3/4/5/6/7/8/env: symlink proc/files/1/2/3/4/5/6/7/8/e leads outside the repository; refused');
    expect(r.error('kust/o/1/2')).toBe('kust/o/1/2/key: symlink kust/o/1/2/e leads outside the repository; refused');
    expect(r.error('p/1/2/3')).toBe('p/1/2/3/evil.yaml: symlink p/1/2/3/sub leads outside the repository; refused');
  });

  it('loops of links, a directory link to its own parent, and a dangling link', async () => {
    const r = await review(
      { 'loop/a.yaml': 'b.yaml', 'loop/b.yaml': 'a.yaml', 'updir/files/up': '..', 'dangling/files/gone': 'nothing-here', 'kd/overlay/base': '../base' },
      {
        'kd/base/kustomization.yaml': 'resources: [cm.yaml]\n',
        'kd/base/cm.yaml': configMap('kd', { a: '1' }),
        'kd/overlay/kustomization.yaml': 'resources: [base]\n',
        'updir/Chart.yaml': CHART,
        'updir/templates/cm.yaml': chartReading('.Files.Get "files/up/Chart.yaml"'),
        'dangling/Chart.yaml': CHART,
        'dangling/templates/cm.yaml': chartReading('"x"'),
      },
    );
    expect(r.error('loop')).toBe('loop/a.yaml: symlink loop (over 40 links); refused');
    expect(r.error('updir')).toBe('updir/files/up: symlink to updir, a directory that contains it; refused');
    expect(r.error('dangling')).toBe('dangling/files/gone: symlink target dangling/files/nothing-here not found');
    // kustomize would load the linked base from its real directory; the copy cannot say so.
    expect(r.error('kd/overlay')).toBe('kd/overlay/kustomization.yaml: "base" is a symlink to the directory kd/base; name that directory instead');
  });
});

describe('renderer memory', () => {
  it('stops a chart whose template grows over render.maxMemoryMB of the base config', async () => {
    repo = new TestRepo();
    const base = repo.commit({ '.safe-deploy.yml': 'render: {maxMemoryMB: 128}\n', 'ok/cm.yaml': configMap('ok', { a: '1' }) });
    const head = repo.commit({
      'ok/cm.yaml': configMap('ok', { a: '2' }),
      'bomb/Chart.yaml': CHART,
      // Five lines: a string doubled forty times wants terabytes.
      'bomb/templates/cm.yaml': '{{- $s := "xxxxxxxxxxxxxxxx" }}\n{{- range until 40 }}{{ $s = print $s $s }}{{ end }}\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\ndata: {n: "{{ len $s }}"}\n',
    });
    const started = performance.now();
    const out = await cli(['review', '--repo', repo.dir, '--base', base, '--head', head, '--format', 'json']);
    const json = JSON.parse(out.stdout) as { targets: Array<{ name: string; status: string; error?: string }> };
    expect(json.targets.find((t) => t.name === 'bomb')).toMatchObject({ status: 'error', error: 'helm template bomb used over 128 MB of memory (render.maxMemoryMB); stopped' });
    expect(json.targets.find((t) => t.name === 'ok')).toMatchObject({ status: 'ok' });
    expect(performance.now() - started).toBeLessThan(20_000);
  });
});

describe('symlinks that stay inside the repository read what a checkout gives', () => {
  it('a link whose text points at one file and whose disk path reaches another; directory links; kustomize and plain links', async () => {
    const r = await review(
      {
        // As text e/../values.yaml is phys/files/a/b/values.yaml (a decoy); on disk e is phys/templates, so it is phys/values.yaml.
        'phys/files/a/b/e': '../../../templates',
        'phys/files/a/b/conf': 'e/../values.yaml',
        'dirs/files/shared': '../../shared',
        'kust/overlay/data.txt': '../../shared/a.txt',
        'plain/linked.yaml': '../manifests/cm.yaml',
      },
      {
        'phys/Chart.yaml': CHART,
        'phys/values.yaml': 'origin: the chart values file\n',
        'phys/files/a/b/values.yaml': 'origin: the decoy\n',
        'phys/templates/cm.yaml': chartReading('.Files.Get "files/a/b/conf"'),
        'dirs/Chart.yaml': CHART,
        'dirs/templates/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: shared}\ndata:\n{{ (.Files.Glob "files/shared/*").AsConfig | indent 2 }}\n',
        'shared/a.txt': 'shared file a\n',
        'shared/b.txt': 'shared file b\n',
        'kust/overlay/kustomization.yaml': 'configMapGenerator:\n  - name: gen\n    files: [data.txt]\n    options: {disableNameSuffixHash: true}\n',
        'manifests/cm.yaml': configMap('through-link', { v: 'linked' }),
      },
    );
    const diff = (name: string) => `${r.target(name)?.changes.map((c) => c.diff).join('\n') ?? 'no target'} ${r.error(name) ?? ''}`;
    expect(diff('phys')).toContain('+  got: |\n+    origin: the chart values file');
    expect(diff('dirs')).toContain('+  a.txt: |\n+    shared file a\n+  b.txt: |\n+    shared file b');
    expect(diff('kust/overlay')).toContain('+  data.txt: |\n+    shared file a');
    expect(diff('plain')).toContain('+  name: through-link');
  });

  it('a change to a file reached only through a link is a change to the target that reads it', async () => {
    repo = new TestRepo();
    repo.symlink('chart/files/shared', '../../shared');
    repo.symlink('k/data.txt', '../shared/a.txt');
    const base = repo.commit({
      'chart/Chart.yaml': CHART,
      'chart/templates/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: shared}\ndata:\n{{ (.Files.Glob "files/shared/*").AsConfig | indent 2 }}\n',
      'k/kustomization.yaml': 'configMapGenerator:\n  - name: gen\n    files: [data.txt]\n    options: {disableNameSuffixHash: true}\n',
      'shared/a.txt': 'one\n',
    });
    const head = repo.commit({ 'shared/a.txt': 'two\n' });
    const out = await cli(['review', '--repo', repo.dir, '--base', base, '--head', head, '--format', 'json']);
    const json = JSON.parse(out.stdout) as { targets: Array<{ name: string; changes: Array<{ action: string; name: string; fields: unknown[] }> }> };
    expect(json.targets.map((t) => [t.name, t.changes.map((c) => `${c.action} ${c.name}`)])).toEqual([
      ['k', ['update gen']],
      ['chart', ['update shared']],
    ]);
    expect(json.targets[1]!.changes[0]!.fields).toEqual([{ path: 'data["a.txt"]', before: 'one\n', after: 'two\n' }]);
  });
});

describe('trees no checkout would write', () => {
  it('entries named "..", "." or ".git" in a crafted tree never reach the render copy, so nothing is written outside it', async () => {
    repo = new TestRepo();
    const plumbing = (args: string[], input?: string) => execFileSync('git', args, { cwd: repo.dir, input, encoding: 'utf8' }).trim();
    const blob = (text: string) => plumbing(['hash-object', '-w', '--stdin'], text);
    const tree = (entries: string[]) => plumbing(['mktree'], `${entries.join('\n')}\n`);
    const target = join(outside, 'written-by-the-merge-request.txt');
    // c/../../…/tmp/<outside>/written-by-the-merge-request.txt: climbs to / from wherever c is copied to.
    const [file, ...dirs] = target.split('/').filter(Boolean).reverse();
    let node = tree([`100644 blob ${blob('owned\n')}\t${file}`]);
    for (const dir of dirs) node = tree([`040000 tree ${node}\t${dir}`]);
    for (let i = 0; i < 20; i++) node = tree([`040000 tree ${node}\t..`]);
    const c = tree([`040000 tree ${node}\t..`, `040000 tree ${tree([`100644 blob ${blob('x')}\tconfig`])}\t.git`, `100644 blob ${blob('x\n')}\tx.txt`]);
    const app = tree([
      `120000 blob ${blob('../c')}\ta`,
      `100644 blob ${blob(configMap('app', { a: '2' }))}\tcm.yaml`,
      `100644 blob ${blob('resources: [cm.yaml]\nconfigMapGenerator: [{name: g, files: [a/x.txt]}]\n')}\tkustomization.yaml`,
    ]);
    const base = repo.commit({ 'app/kustomization.yaml': 'resources: [cm.yaml]\n', 'app/cm.yaml': configMap('app', { a: '1' }) });
    const head = plumbing(['commit-tree', tree([`040000 tree ${app}\tapp`, `040000 tree ${c}\tc`]), '-p', base, '-m', 'attack'], undefined);
    const out = await cli(['review', '--repo', repo.dir, '--base', base, '--head', head, '--format', 'json']);
    expect(existsSync(target)).toBe(false);
    expect(out.status).not.toBe(2);
    const app0 = (JSON.parse(out.stdout) as { targets: Array<{ name: string; status: string; error?: string }> }).targets.find((t) => t.name === 'app');
    expect(app0).toMatchObject({ status: 'error' });
  });
});

describe('Helm schema references', () => {
  it('a values.schema.json that refers to a URL or a file is refused before helm could fetch or read it; local references render', async () => {
    const requests: string[] = [];
    const server = createServer((req, res) => {
      requests.push(req.url ?? '');
      res.end('{"enum": ["from the loopback service"]}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    try {
      const schema = (ref: string) => JSON.stringify({ type: 'object', properties: { x: { $ref: ref } }, $defs: { s: { type: 'string' } } });
      const chart = (name: string, ref: string) => ({
        [`${name}/Chart.yaml`]: CHART,
        [`${name}/values.yaml`]: 'x: a\n',
        [`${name}/values.schema.json`]: schema(ref),
        [`${name}/templates/cm.yaml`]: chartReading('.Values.x'),
      });
      repo = new TestRepo();
      const base = repo.commit({ 'ok/cm.yaml': configMap('ok', { a: '1' }) });
      const head = repo.commit({ ...chart('web', `http://127.0.0.1:${port}/internal/admin`), ...chart('disk', `file://${outside}/secret.yaml`), ...chart('local', '#/$defs/s'), 'ok/cm.yaml': configMap('ok', { a: '2' }) });
      const out = await cli(['review', '--repo', repo.dir, '--base', base, '--head', head, '--format', 'json'], { SAFE_DEPLOY_SANDBOX: 'off' });
      const targets = new Map((JSON.parse(out.stdout) as { targets: Array<{ name: string; status: string; error?: string }> }).targets.map((t) => [t.name, t]));
      expect(targets.get('web')?.error).toBe(
        `web/values.schema.json: $ref "http://127.0.0.1:${port}/internal/admin" makes helm load another document, over the network or from its disk; refused: put it under $defs and refer to "#/$defs/…"`,
      );
      expect(targets.get('disk')?.error).toMatch(/^disk\/values\.schema\.json: \$ref "file:\/\/.*secret\.yaml" makes helm load another document/);
      expect(targets.get('local')).toMatchObject({ status: 'ok' });
      expect(out.stdout).not.toContain(SENTINEL);
      expect(requests).toEqual([]);
    } finally {
      server.close();
    }
  });
});

describe('the kustomize pre-check sees what kustomize will build', () => {
  it('refuses a base reached through a linked directory, and kustomizations it cannot read exactly as kustomize does', async () => {
    const r = await review(
      { 'lp/app/a': '../c' },
      {
        'lp/app/kustomization.yaml': 'resources: [a/sub]\n',
        'lp/c/sub/kustomization.yaml': 'resources: [http://127.0.0.1:9/leak.yaml]\n',
        'dup/kustomization.yaml': 'resources: [cm.yaml]\nresources: [https://evil.example/x.yaml]\n',
        'dup/cm.yaml': configMap('dup', { a: '1' }),
        'merge/kustomization.yaml': 'base: &b {resources: [https://evil.example/x.yaml]}\n<<: *b\n',
      },
    );
    expect(r.error('lp/app')).toBe('lp/app/kustomization.yaml: "a/sub" goes through the symlink lp/app/a; name the real path lp/c/sub instead');
    expect(r.error('dup')).toBe('dup/kustomization.yaml:2: invalid YAML: Map keys must be unique');
    expect(r.error('merge')).toBe('merge/kustomization.yaml: remote resource "https://evil.example/x.yaml" refused: safe-deploy renders offline; vendor it into the repository');
  });
});

describe('git configuration outside the repository', () => {
  it('a smudge filter from the system or user git config never runs on the render copy, whatever .gitattributes asks', async () => {
    repo = new TestRepo();
    const config = join(outside, 'gitconfig');
    writeFileSync(config, `[filter "x"]\n\tsmudge = "sh -c 'echo \\"apiVersion: v1\\"; echo \\"kind: ConfigMap\\"; echo \\"metadata: {name: smudged}\\"; echo \\"data: {env: $SAFE_DEPLOY_TEST_SECRET}\\"'"\n`);
    const base = repo.commit({ 'k/kustomization.yaml': 'resources: [cm.yaml]\n', 'k/cm.yaml': configMap('k', { a: '1' }) });
    const head = repo.commit({ 'k/.gitattributes': 'cm.yaml filter=x\n', 'k/cm.yaml': configMap('k', { a: '2' }) });
    const out = await cli(['review', '--repo', repo.dir, '--base', base, '--head', head, '--format', 'json'], { GIT_CONFIG_GLOBAL: config, GIT_CONFIG_SYSTEM: config, SAFE_DEPLOY_TEST_SECRET: ENV_SENTINEL });
    expect(out.stdout + out.stderr).not.toContain(ENV_SENTINEL);
    const changes = (JSON.parse(out.stdout) as { targets: Array<{ name: string; changes: Array<{ action: string; name: string }> }> }).targets.find((t) => t.name === 'k')?.changes;
    expect(changes?.map((c) => `${c.action} ${c.name}`)).toEqual(['update k']);
  });
});
