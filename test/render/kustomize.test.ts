import { afterEach, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { TestRepo } from '../helpers/git-repo.js';
import { deployment } from '../helpers/manifests.js';

let repo: TestRepo;
afterEach(() => repo.dispose());

interface JsonChange { action: string; kind: string; namespace: string | null; name: string; previousName?: string; impacts: Array<{ type: string; message: string }> }
interface JsonTarget { name: string; path: string; renderer: string; status: string; error?: string; changes: JsonChange[] }
async function review(base: string, head: string) {
  const result = await cli(['review', '--repo', repo.dir, '--base', base, '--head', head, '--format', 'json']);
  if (result.status === 2) throw new Error(result.stderr);
  const json = JSON.parse(result.stdout);
  return { status: result.status, json, targets: json.targets as JsonTarget[], byName: Object.fromEntries((json.targets as JsonTarget[]).map((t) => [t.name, t])) };
}

const summary = (t: JsonTarget) => t.changes.map((c) => `${c.action} ${c.kind} ${c.namespace ?? '-'}/${c.name}${c.previousName ? ` (was ${c.previousName})` : ''}`);

const shop = {
  'shop/base/kustomization.yaml': `resources: [deploy.yaml, service.yaml]
configMapGenerator:
  - name: web-config
    literals: [LEVEL=info]
`,
  'shop/base/deploy.yaml': deployment('web', {
    extra: `          envFrom:
            - configMapRef:
                name: web-config
`,
  }),
  'shop/base/service.yaml': 'apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  ports: [{port: 80}]\n',
  'shop/components/tracing/kustomization.yaml': `apiVersion: kustomize.config.k8s.io/v1alpha1
kind: Component
patches:
  - target: {kind: Deployment}
    patch: |
      - op: add
        path: /spec/template/metadata/annotations
        value: {tracing: "on"}
`,
  'shop/overlays/prod/kustomization.yaml': 'namespace: shop-prod\nnamePrefix: prod-\nresources: [../../base]\n',
  'shop/overlays/staging/kustomization.yaml': 'namespace: shop-staging\nresources: [../../base, extra.yaml]\n',
  'shop/overlays/staging/extra.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\ndata: {a: "1"}\n',
  'docs/README.md': '# docs\n',
};

describe('kustomize targets', () => {
  it('reviews every overlay that includes a changed base, with file and line sources', async () => {
    repo = new TestRepo();
    const base = repo.commit(shop);
    const head = repo.commit({ 'shop/base/deploy.yaml': deployment('web', { image: 'registry.example.com/web:2.0.0', extra: '          envFrom:\n            - configMapRef:\n                name: web-config\n' }) });
    const { status, targets, byName } = await review(base, head);
    expect(status).toBe(0);
    expect(targets.map((t) => `${t.name}:${t.renderer}`)).toEqual(['shop/overlays/prod:kustomize', 'shop/overlays/staging:kustomize']);
    expect(summary(byName['shop/overlays/prod']!)).toEqual(['update Deployment shop-prod/prod-web']);
    expect(summary(byName['shop/overlays/staging']!)).toEqual(['update Deployment shop-staging/web']);
    const md = (await cli(['review', '--repo', repo.dir, '--base', base, '--head', head])).stdout;
    expect(md).toMatch(/kustomize v\d+\.\d+\.\d+/);
    expect(md).not.toContain('config.kubernetes.io/origin');
  });

  it('shows a configMapGenerator change as a replace plus the rollout of its consumer', async () => {
    repo = new TestRepo();
    const base = repo.commit(shop);
    const head = repo.commit({ 'shop/base/kustomization.yaml': shop['shop/base/kustomization.yaml'].replace('LEVEL=info', 'LEVEL=debug') });
    const { byName } = await review(base, head);
    const prod = byName['shop/overlays/prod']!;
    const replace = prod.changes.find((c) => c.action === 'replace')!;
    expect(replace.kind).toBe('ConfigMap');
    expect(replace.name).toMatch(/^prod-web-config-[a-z0-9]{10}$/);
    expect(replace.previousName).toMatch(/^prod-web-config-[a-z0-9]{10}$/);
    expect(replace.previousName).not.toBe(replace.name);
    const rollout = prod.changes.find((c) => c.kind === 'Deployment')!;
    expect(rollout.impacts[0]).toMatchObject({ type: 'rollout' });
  });

  it('affects no target when an unrelated file changes, and a component only where it is used', async () => {
    repo = new TestRepo();
    const base = repo.commit(shop);
    expect((await review(base, repo.commit({ 'docs/README.md': '# changed\n', 'shop/base/NOTES.md': 'x\n' }))).targets).toEqual([]);
    const withComponent = repo.commit({ 'shop/overlays/prod/kustomization.yaml': 'namespace: shop-prod\nnamePrefix: prod-\nresources: [../../base]\ncomponents: [../../components/tracing]\n' });
    const head = repo.commit({ 'shop/components/tracing/kustomization.yaml': shop['shop/components/tracing/kustomization.yaml'].replace('"on"', '"sampled"') });
    const { targets } = await review(withComponent, head);
    expect(targets.map((t) => t.name)).toEqual(['shop/overlays/prod']);
  });

  it('reviews a new overlay as all created and a removed one as all deleted', async () => {
    repo = new TestRepo();
    const base = repo.commit(shop);
    const head = repo.commit({
      'shop/overlays/dev/kustomization.yaml': 'namespace: dev\nresources: [../../base]\n',
      'shop/overlays/staging/kustomization.yaml': null,
      'shop/overlays/staging/extra.yaml': null,
    });
    const { byName } = await review(base, head);
    expect(byName['shop/overlays/dev']!.changes.every((c) => c.action === 'create')).toBe(true);
    expect(byName['shop/overlays/dev']!.changes).toHaveLength(3);
    expect(byName['shop/overlays/staging']!.changes.map((c) => c.action)).toEqual(['delete', 'delete', 'delete', 'delete']);
  });

  it('points findings at the file that broke and keeps other targets', async () => {
    repo = new TestRepo();
    const base = repo.commit(shop);
    const head = repo.commit({
      'shop/overlays/prod/kustomization.yaml': 'resources: [../../base, missing.yaml]\n',
      'shop/overlays/staging/extra.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\ndata: {a: "2"}\n',
    });
    const { status, byName, json } = await review(base, head);
    expect(status).toBe(1);
    expect(byName['shop/overlays/prod']).toMatchObject({ status: 'error', error: expect.stringContaining('missing.yaml') });
    expect(byName['shop/overlays/prod']!.error).not.toContain('/tmp/');
    expect(summary(byName['shop/overlays/staging']!)).toEqual(['update ConfigMap shop-staging/extra']);
    expect(json.findings[0]).toMatchObject({ rule: 'render-failed', severity: 'error', target: 'shop/overlays/prod' });
  });

  it('reviews a target that fails only at base as all new, with a notice', async () => {
    repo = new TestRepo();
    const base = repo.commit({ ...shop, 'shop/overlays/prod/kustomization.yaml': 'resources: [../../base, missing.yaml]\n' });
    const head = repo.commit({ 'shop/overlays/prod/kustomization.yaml': shop['shop/overlays/prod/kustomization.yaml'] });
    const { status, byName, json } = await review(base, head);
    expect(status).toBe(0);
    expect(byName['shop/overlays/prod']!.changes.map((c) => c.action)).toEqual(['create', 'create', 'create']);
    expect(json.findings).toEqual([expect.objectContaining({ rule: 'render-failed', severity: 'notice', message: expect.stringMatching(/did not render at base/) })]);
  });
});

describe('kustomize refusals', () => {
  const refused = async (files: Record<string, string>, pattern: RegExp, setup?: (r: TestRepo) => void) => {
    repo = new TestRepo();
    const base = repo.commit(shop);
    setup?.(repo);
    const head = repo.commit(files);
    const { status, byName } = await review(base, head);
    expect(status).toBe(1);
    expect(byName['shop/overlays/prod']).toMatchObject({ status: 'error' });
    expect(byName['shop/overlays/prod']!.error).toMatch(pattern);
    return byName;
  };

  it('refuses a remote base before any tool runs', async () => {
    await refused({ 'shop/overlays/prod/kustomization.yaml': 'resources:\n  - ../../base\n  - github.com/example/manifests//base?ref=v1\n' }, /^shop\/overlays\/prod\/kustomization\.yaml: remote resource "github\.com\/example\/manifests\/\/base\?ref=v1" refused/);
    await refused({ 'shop/overlays/prod/kustomization.yaml': 'resources: [https://example.com/all.yaml]\n' }, /remote resource "https:\/\/example\.com\/all\.yaml" refused/);
  });

  it('refuses every reference kustomize would fetch, in every field, even when a local directory has its name', async () => {
    repo = new TestRepo();
    const base = repo.commit(shop);
    const configMap = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: local\ndata: {a: "1"}\n';
    // Each overlay holds one reference; kustomize 5 fetches every one of them (git clone or HTTP GET).
    const forms: Array<[string, string]> = [
      ['resources: ["git::http://example.com/org/repo//base"]', 'git::http://example.com/org/repo//base'],
      ['resources: ["git::https://github.com/org/repo//deploy?ref=v1"]', 'git::https://github.com/org/repo//deploy?ref=v1'],
      ['resources: ["GIT::HTTPS://example.com/org/repo.git"]', 'GIT::HTTPS://example.com/org/repo.git'],
      ['resources: ["git@github.com:org/repo//base"]', 'git@github.com:org/repo//base'],
      ['resources: ["deploy@git.internal:platform/manifests"]', 'deploy@git.internal:platform/manifests'],
      ['resources: ["ssh://git@example.com/org/repo"]', 'ssh://git@example.com/org/repo'],
      ['resources: ["https://github.com/org/repo//path?ref=v1"]', 'https://github.com/org/repo//path?ref=v1'],
      ['resources: ["github.com/org/repo/path"]', 'github.com/org/repo/path'],
      ['resources: ["GitHub.com:org/repo"]', 'GitHub.com:org/repo'],
      ['resources: ["file:///srv/git/manifests"]', 'file:///srv/git/manifests'],
      ['resources: ["https://example.com/all.yaml"]', 'https://example.com/all.yaml'],
      ['resources: ["team@infra/org/base"]', 'team@infra/org/base'],
      ['resources: ["github.com/org/vendored"]', 'github.com/org/vendored'],
      ['bases: ["git::https://example.com/org/base.git"]', 'git::https://example.com/org/base.git'],
      ['components: ["git::https://example.com/org/components//tracing"]', 'git::https://example.com/org/components//tracing'],
      ['generators: ["ssh://example.com/org/generators"]', 'ssh://example.com/org/generators'],
      ['transformers: ["deploy@example.com:org/transformers.git"]', 'deploy@example.com:org/transformers.git'],
      ['resources: [cm.yaml]\nopenapi: {path: "HTTPS://example.com/schema.json"}', 'HTTPS://example.com/schema.json'],
      ['resources: [cm.yaml]\ncrds: ["http://example.com/crd.yaml"]', 'http://example.com/crd.yaml'],
      ['resources: [cm.yaml]\nconfigMapGenerator: [{name: x, files: ["conf=https://example.com/app.conf"]}]', 'https://example.com/app.conf'],
      ['resources: [cm.yaml]\nsecretGenerator: [{name: x, envs: ["https://example.com/app.env"]}]', 'https://example.com/app.env'],
      ['resources: [cm.yaml]\npatches: [{path: "https://example.com/patch.yaml"}]', 'https://example.com/patch.yaml'],
    ];
    const files: Record<string, string> = {};
    forms.forEach(([kustomization], i) => {
      const dir = `remote/r${String(i).padStart(2, '0')}`;
      files[`${dir}/kustomization.yaml`] = `${kustomization}\n`;
      files[`${dir}/cm.yaml`] = configMap;
    });
    // Local directories named like repository specs: kustomize clones the spec before looking for a directory.
    for (const dir of ['remote/r11/team@infra/org/base', 'remote/r12/github.com/org/vendored']) {
      files[`${dir}/kustomization.yaml`] = 'resources: [cm.yaml]\n';
      files[`${dir}/cm.yaml`] = configMap;
    }
    // Names kustomize reads as local paths: a directory "release@v2" (no repository path after the "host") and a patch file.
    files['local/ok/kustomization.yaml'] = 'resources: ["release@v2"]\npatches: [{path: "team@infra/patch.yaml"}]\n';
    files['local/ok/release@v2/kustomization.yaml'] = 'resources: [cm.yaml]\n';
    files['local/ok/release@v2/cm.yaml'] = configMap;
    files['local/ok/team@infra/patch.yaml'] = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: local\ndata: {a: "2"}\n';
    const { byName } = await review(base, repo.commit(files));
    const expected = Object.fromEntries(
      forms.map(([, ref], i) => {
        const dir = `remote/r${String(i).padStart(2, '0')}`;
        return [dir, `${dir}/kustomization.yaml: remote resource "${ref}" refused: safe-deploy renders offline; vendor it into the repository`];
      }),
    );
    expect(Object.fromEntries(Object.keys(expected).map((dir) => [dir, byName[dir]?.error]))).toEqual(expected);
    expect(byName['local/ok']).toMatchObject({ status: 'ok', changes: [{ action: 'create', kind: 'ConfigMap', name: 'local' }] });
  });

  it('refuses exec plugins, KRM functions and helmCharts', async () => {
    await refused(
      {
        'shop/overlays/prod/kustomization.yaml': 'resources: [../../base]\ntransformers: [plugin.yaml]\n',
        'shop/overlays/prod/plugin.yaml': 'apiVersion: someteam.example.com/v1\nkind: ChartInflator\nmetadata:\n  name: x\n',
      },
      /plugin\.yaml: plugin someteam\.example\.com\/v1\/ChartInflator is not a kustomize builtin/,
    );
    await refused(
      {
        'shop/overlays/prod/kustomization.yaml': 'resources: [../../base]\ngenerators: [fn.yaml]\n',
        'shop/overlays/prod/fn.yaml': 'apiVersion: builtin\nkind: ConfigMapGenerator\nmetadata:\n  name: x\n  annotations:\n    config.kubernetes.io/function: |\n      exec:\n        path: /bin/sh\n',
      },
      /KRM function plugins \(exec or container\) are not allowed/,
    );
    await refused(
      { 'shop/overlays/prod/kustomization.yaml': 'resources: [../../base]\nhelmCharts:\n  - name: redis\n    repo: https://charts.example.com\n' },
      /helmCharts needs kustomize --enable-helm/,
    );
  });

  it('refuses paths and symlinks that leave the repository', async () => {
    await refused({ 'shop/overlays/prod/kustomization.yaml': 'resources: [../../base, ../../../../../../etc/secrets]\n' }, /"\.\.\/\.\.\/\.\.\/\.\.\/\.\.\/\.\.\/etc\/secrets" points outside the repository; refused/);
    await refused(
      { 'shop/overlays/prod/kustomization.yaml': 'resources: [../../base]\nconfigMapGenerator:\n  - name: stolen\n    files: [passwd]\n' },
      /shop\/overlays\/prod\/passwd: symlink points to \/etc\/passwd, outside the repository; refused/,
      (r) => r.symlink('shop/overlays/prod/passwd', '/etc/passwd'),
    );
  });
});

describe('inline plugin configs', () => {
  it('accepts an inline builtin transformer and refuses any other inline plugin', async () => {
    repo = new TestRepo();
    const base = repo.commit(shop);
    const builtin = `namespace: shop-prod\nnamePrefix: prod-\nresources: [../../base]\ntransformers:\n  - |-\n    apiVersion: builtin\n    kind: AnnotationsTransformer\n    metadata: {name: team}\n    annotations: {team: shop}\n    fieldSpecs: [{path: metadata/annotations, create: true}]\n`;
    const ok = await review(base, repo.commit({ 'shop/overlays/prod/kustomization.yaml': builtin }));
    expect(ok.byName['shop/overlays/prod']).toMatchObject({ status: 'ok' });
    expect(ok.byName['shop/overlays/prod']!.changes.length).toBeGreaterThan(0);
    const foreign = await review(base, repo.commit({ 'shop/overlays/prod/kustomization.yaml': builtin.replace('apiVersion: builtin', 'apiVersion: example.com/v1') }));
    expect(foreign.byName['shop/overlays/prod']!.error).toMatch(/inline plugin that is not a kustomize builtin; refused/);
  });
});
