import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestRepo, runCli } from '../helpers/git-repo.js';
import { configMap, deployment } from '../helpers/manifests.js';

let repo: TestRepo;
let base: string;

beforeEach(() => {
  repo = new TestRepo();
  base = repo.commit({
    'deploy/web/deploy.yaml': deployment('web', { namespace: 'shop' }),
    'deploy/web/config.yaml': configMap('web-config', { LEVEL: 'info' }, 'shop'),
    'deploy/api/deploy.yaml': deployment('api', { namespace: 'shop' }),
    'README.md': '# infra\n',
  });
});
afterEach(() => repo.dispose());

const json = (args: string[]) => {
  const result = runCli(['review', '--repo', repo.dir, '--format', 'json', ...args]);
  return { ...result, review: result.stdout ? JSON.parse(result.stdout) : null };
};

describe('safe-deploy review', () => {
  it('prints the Markdown comment for the changed target only and exits 0 on pass', () => {
    const head = repo.commit({ 'deploy/web/deploy.yaml': deployment('web', { namespace: 'shop', image: 'registry.example.com/web:1.1.0' }) });
    const result = runCli(['review', '--repo', repo.dir, '--base', base, '--head', head]);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^<!-- safe-deploy:review -->\n<!-- safe-deploy:head [0-9a-f]{40} -->\n## ✅ safe-deploy: safe to merge\n/);
    expect(result.stdout).toContain('<summary><b>deploy/web</b> · plain · 1 updated</summary>');
    expect(result.stdout).toContain('+          image: registry.example.com/web:1.1.0');
    expect(result.stdout).not.toContain('deploy/api');
  });

  it('writes the review JSON of the contract', () => {
    const head = repo.commit({
      'deploy/web/deploy.yaml': deployment('web', { namespace: 'shop', image: 'registry.example.com/web:1.1.0' }),
      'deploy/web/config.yaml': null,
      'deploy/web/extra.yaml': configMap('extra', { a: '1' }, 'shop'),
    });
    const { status, review } = json(['--base', base, '--head', head]);
    expect(status).toBe(0);
    expect(Object.keys(review)).toEqual(['schemaVersion', 'verdict', 'base', 'head', 'summary', 'targets', 'findings', 'matrix', 'clusters', 'images']);
    expect(review).toMatchObject({ schemaVersion: 1, verdict: 'pass', base, head, summary: { created: 1, updated: 1, deleted: 1, replaced: 0 }, findings: [] });
    expect(review.targets).toHaveLength(1);
    const [target] = review.targets;
    expect(target).toMatchObject({ name: 'deploy/web', path: 'deploy/web', renderer: 'plain', status: 'ok' });
    expect(target.changes.map((c: { action: string; kind: string; namespace: string; name: string }) => `${c.action} ${c.kind} ${c.namespace}/${c.name}`)).toEqual([
      'update Deployment shop/web',
      'create ConfigMap shop/extra',
      'delete ConfigMap shop/web-config',
    ]);
    const update = target.changes[0];
    expect(Object.keys(update)).toEqual(['action', 'apiVersion', 'kind', 'namespace', 'name', 'fields', 'diff', 'impacts', 'group']);
    expect(update.fields).toEqual([
      { path: 'spec.template.spec.containers[name=app].image', before: 'registry.example.com/web:1.0.0', after: 'registry.example.com/web:1.1.0' },
    ]);
    expect(update.impacts).toEqual([{ type: 'rollout', message: expect.stringMatching(/^2 pods replaced by a rolling update/) }]);
  });

  it('reports an invalid file as a failed target with a render-failed finding, reviews the others, exits 1', () => {
    const head = repo.commit({
      'deploy/web/deploy.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  labels: {a: [b}\n',
      'deploy/api/deploy.yaml': deployment('api', { namespace: 'shop', replicas: 3 }),
    });
    const { status, review } = json(['--base', base, '--head', head]);
    expect(status).toBe(1);
    expect(review.verdict).toBe('fail');
    const byName = Object.fromEntries(review.targets.map((t: { name: string }) => [t.name, t]));
    expect(byName['deploy/web']).toMatchObject({ status: 'error', error: expect.stringMatching(/^deploy\/web\/deploy\.yaml:5: invalid YAML/), changes: [] });
    expect(byName['deploy/api']).toMatchObject({ status: 'ok', changes: [expect.objectContaining({ action: 'update', name: 'api' })] });
    expect(review.findings).toEqual([
      expect.objectContaining({ rule: 'render-failed', severity: 'error', target: 'deploy/web', file: 'deploy/web/deploy.yaml', line: 5, overridden: false }),
    ]);
  });

  it('compares from the merge-base, as the merge request shows it', () => {
    repo.git('checkout', '-q', '-b', 'feature');
    const head = repo.commit({ 'deploy/web/config.yaml': configMap('web-config', { LEVEL: 'debug' }, 'shop') });
    repo.git('checkout', '-q', 'main');
    const movedBase = repo.commit({ 'deploy/api/deploy.yaml': deployment('api', { namespace: 'shop', replicas: 9 }) });
    const { review } = json(['--base', 'main', '--head', 'feature']);
    expect(review.base).toBe(movedBase);
    expect(review.head).toBe(head);
    expect(review.targets.map((t: { name: string }) => t.name)).toEqual(['deploy/web']);
    expect(review.summary).toEqual({ created: 0, updated: 1, deleted: 0, replaced: 0 });
  });

  it('leaves the working tree, the index and the worktree list as they were', () => {
    const head = repo.commit({ 'deploy/web/config.yaml': configMap('web-config', { LEVEL: 'debug' }, 'shop') });
    writeFileSync(join(repo.dir, 'deploy/web/config.yaml'), 'uncommitted edit\n');
    writeFileSync(join(repo.dir, 'staged.txt'), 'staged\n');
    repo.git('add', 'staged.txt');
    const before = [repo.git('status', '--porcelain'), repo.git('worktree', 'list'), repo.git('stash', 'list')];
    expect(runCli(['review', '--repo', repo.dir, '--base', base, '--head', head]).status).toBe(0);
    expect([repo.git('status', '--porcelain'), repo.git('worktree', 'list'), repo.git('stash', 'list')]).toEqual(before);
    expect(readFileSync(join(repo.dir, 'deploy/web/config.yaml'), 'utf8')).toBe('uncommitted edit\n');
  });

  it('takes the namespace and targets from the base revision config, not from the head', () => {
    repo.commit({ '.safe-deploy.yml': 'targets:\n  - name: web-prod\n    path: deploy/web\n    namespace: prod\n' });
    const configured = repo.git('rev-parse', 'HEAD');
    const head = repo.commit({
      '.safe-deploy.yml': 'targets: []\n',
      'deploy/web/config.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web-config\ndata:\n  LEVEL: debug\n',
      'deploy/api/deploy.yaml': deployment('api', { replicas: 5 }),
    });
    const { review } = json(['--base', configured, '--head', head]);
    expect(review.targets.map((t: { name: string; path: string }) => `${t.name}@${t.path}`)).toEqual(['web-prod@deploy/web']);
    const names = review.targets[0].changes.map((c: { action: string; namespace: string; name: string }) => `${c.action} ${c.namespace}/${c.name}`);
    // web-config was in shop at base and takes the configured prod at head: one object moved.
    expect(names).toContain('replace prod/web-config');
    expect(review.targets[0].changes.find((c: { name: string }) => c.name === 'web-config').previousNamespace).toBe('shop');
  });

  it('writes to --out and reads --config from disk', () => {
    const dir = mkdtempSync(join(tmpdir(), 'safe-deploy-out-'));
    try {
      writeFileSync(join(dir, 'config.yml'), 'targets:\n  - name: api\n    path: deploy/api\n');
      const head = repo.commit({ 'deploy/api/deploy.yaml': deployment('api', { namespace: 'shop', replicas: 4 }) });
      const out = join(dir, 'review.json');
      const result = runCli(['review', '--repo', repo.dir, '--base', base, '--head', head, '--format', 'json', '--out', out, '--config', join(dir, 'config.yml')]);
      expect(result.status).toBe(0);
      expect(result.stdout).toBe('');
      expect(JSON.parse(readFileSync(out, 'utf8')).targets[0].name).toBe('api');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('exits 2 with a one-line reason on an unknown revision, a non-repository, bad arguments or a bad config', () => {
    const unknown = runCli(['review', '--repo', repo.dir, '--base', base, '--head', 'no-such-branch']);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/^safe-deploy: unknown revision 'no-such-branch' in .+\n$/);

    const notRepo = mkdtempSync(join(tmpdir(), 'safe-deploy-norepo-'));
    const outside = runCli(['review', '--repo', notRepo, '--base', 'a', '--head', 'b']);
    rmSync(notRepo, { recursive: true });
    expect(outside.status).toBe(2);
    expect(outside.stderr).toBe(`safe-deploy: not a git repository: ${notRepo}\n`);

    expect(runCli(['review', '--repo', repo.dir, '--head', 'main']).stderr).toBe('safe-deploy: review needs --base REF and --head REF\n');
    expect(runCli(['review', '--bogus']).status).toBe(2);
    expect(runCli(['review', '--repo', repo.dir, '--base', base, '--head', base, '--format', 'xml']).stderr).toMatch(/unknown --format 'xml'/);
    expect(runCli(['frobnicate']).status).toBe(2);

    const badConfig = repo.commit({ '.safe-deploy.yml': 'targets:\n  - name: x\n    path: ../etc\n    renderr: plain\n' });
    const bad = runCli(['review', '--repo', repo.dir, '--base', badConfig, '--head', badConfig]);
    expect(bad.status).toBe(2);
    expect(bad.stderr.split('\n')).toHaveLength(2);
    expect(bad.stderr).toMatch(/^safe-deploy: \.safe-deploy\.yml: targets\.0\.path: must be a path inside the repository.*targets\.0: Unrecognized key: "renderr"/);
  });

  it('ignores changed files that hold no Kubernetes objects', () => {
    const head = repo.commit({ '.github/workflows/ci.yml': 'on: push\njobs: {}\n', 'README.md': '# changed\n' });
    const { status, review } = json(['--base', base, '--head', head]);
    expect(status).toBe(0);
    expect(review.targets).toEqual([]);
    expect(existsSync(join(repo.dir, '.git', 'worktrees'))).toBe(false);
  });
});

describe('hostile names in the comment', () => {
  it('a directory named like a link, a mention and a reference, with a bidi control, stays literal text', () => {
    const repo = new TestRepo();
    try {
      const dir = 'apps/[pwn](www.evil.example) @admins org#1 \u202Eexe.txt';
      const base = repo.commit({ 'ok/cm.yaml': configMap('ok', { a: '1' }) });
      const head = repo.commit({ [`${dir}/cm.yaml`]: configMap('hostile', { 'www.evil.example': '[x](https://evil.example) \u200B' }) });
      const out = runCli(['review', '--repo', repo.dir, '--base', base, '--head', head]).stdout;
      expect(out).toContain(
        '<summary><b>apps/&#91;pwn&#93;(www&#46;evil.example) <code>&#64;</code>admins org<code>&#35;</code>1 &lt;U+202E&gt;exe.txt</b> · plain · 1 created</summary>',
      );
      // In the diff, invisible characters are written out too.
      expect(out).toContain('+  www.evil.example: "[x](https://evil.example) <U+200B>"');
      expect(out).not.toMatch(/[\u202E\u200B]/);
      expect(out).not.toMatch(/(^|[^;])\[pwn\]\(/);
    } finally {
      repo.dispose();
    }
  });
});
