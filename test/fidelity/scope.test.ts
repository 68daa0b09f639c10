// Target identity and scope on multi-cluster layouts: same-named declarations in
// different cluster folders are different targets, and declarations whose source is
// another repository are not rendered from this one. Expected objects are written by
// hand: what `kubectl kustomize` prints for each overlay.
import { afterEach, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { TestRepo } from '../helpers/git-repo.js';
import { gitRepository, reviewJson } from '../helpers/gitops.js';

let repo: TestRepo;
afterEach(() => repo?.dispose());

interface ReviewJson {
  verdict: string;
  targets: Array<{ name: string; path: string; declaredBy?: { kind: string; file: string }; changes: Array<{ action: string; kind: string; namespace: string | null; name: string; fields: Array<{ path: string; before: unknown; after: unknown }> }> }>;
  notRendered?: Array<{ name: string; declaredBy: { kind: string; file: string }; reason: string }>;
}

const review = (base: string, head: string, extra: string[] = []) => reviewJson<ReviewJson>(repo, base, head, extra);

const fluxKustomization = (name: string, path: string, source = 'flux-system') => `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: ${name}, namespace: flux-system}
spec:
  interval: 10m
  path: ${path}
  prune: true
  sourceRef: {kind: GitRepository, name: ${source}}
`;


const configMap = (name: string, namespace: string, data: Record<string, string>) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ${name}, namespace: ${namespace}}\ndata:\n${Object.entries(data).map(([k, v]) => `  ${k}: "${v}"`).join('\n')}\n`;

/** Flux's multi-cluster layout: one Kustomization named "apps" per cluster folder, each pointing at its overlay. */
const multiCluster = {
  'clusters/production/flux-system/gotk-sync.yaml': gitRepository('flux-system', 'ssh://git@github.com/acme/fleet'),
  'clusters/production/apps.yaml': fluxKustomization('apps', './apps/production'),
  'clusters/staging/flux-system/gotk-sync.yaml': gitRepository('flux-system', 'ssh://git@github.com/acme/fleet'),
  'clusters/staging/apps.yaml': fluxKustomization('apps', './apps/staging'),
  'apps/base/kustomization.yaml': 'resources: [settings.yaml]\n',
  'apps/base/settings.yaml': configMap('settings', 'shop', { level: 'info' }),
  'apps/production/kustomization.yaml': 'resources: [../base]\npatches:\n  - path: level.yaml\n',
  'apps/production/level.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings, namespace: shop}\ndata: {replicas: "5"}\n',
  'apps/staging/kustomization.yaml': 'resources: [../base]\n',
};

describe('targets on a multi-cluster repository', () => {
  it('reviews same-named Kustomizations of two cluster folders as two targets, named by their folder', async () => {
    repo = new TestRepo();
    const base = repo.commit(multiCluster);
    const head = repo.commit({ 'apps/base/settings.yaml': configMap('settings', 'shop', { level: 'debug' }) });
    const json = await review(base, head);
    // `kubectl kustomize apps/production` keeps the patch fragment a patch (no object of its own):
    // both overlays change exactly one object, shop/settings.
    expect(json.targets.map((t) => `${t.name} ${t.path} ${t.declaredBy?.file}`)).toEqual([
      'production/apps apps/production clusters/production/apps.yaml',
      'staging/apps apps/staging clusters/staging/apps.yaml',
    ]);
    for (const target of json.targets) {
      expect(target.changes.map((c) => `${c.action} ${c.kind} ${c.namespace}/${c.name}`)).toEqual(['update ConfigMap shop/settings']);
      expect(target.changes[0]!.fields).toEqual([{ path: 'data.level', before: 'info', after: 'debug' }]);
    }
    expect(json.notRendered).toBeUndefined();
  });

  it('a patch fragment changed in one overlay reviews that cluster only', async () => {
    repo = new TestRepo();
    const base = repo.commit(multiCluster);
    const head = repo.commit({ 'apps/production/level.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings, namespace: shop}\ndata: {replicas: "7"}\n' });
    const json = await review(base, head);
    expect(json.targets.map((t) => t.name)).toEqual(['production/apps']);
    expect(json.targets[0]!.changes.map((c) => `${c.action} ${c.kind} ${c.namespace}/${c.name} ${JSON.stringify(c.fields)}`)).toEqual([
      'update ConfigMap shop/settings [{"path":"data.replicas","before":"5","after":"7"}]',
    ]);
  });
});

describe('the staging cluster of a multi-cluster repository', () => {
  it('fails on a Namespace deleted and cluster-admin granted in one cluster only', async () => {
    repo = new TestRepo();
    const base = repo.commit({
      ...multiCluster,
      'apps/staging/kustomization.yaml': 'resources: [../base, namespace.yaml]\n',
      'apps/staging/namespace.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n',
    });
    const head = repo.commit({
      'apps/staging/kustomization.yaml': 'resources: [../base, admin.yaml]\n',
      'apps/staging/namespace.yaml': null,
      'apps/staging/admin.yaml':
        'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: ci-admin}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}\nsubjects: [{kind: ServiceAccount, name: ci, namespace: shop}]\n',
    });
    const json = await review(base, head) as ReviewJson & { findings: Array<{ rule: string; target: string; name: string }> };
    expect(json.verdict).toBe('fail');
    expect(json.targets.map((t) => `${t.name}: ${t.changes.map((c) => `${c.action} ${c.kind}/${c.name}`).join(', ')}`)).toEqual([
      'staging/apps: create ClusterRoleBinding/ci-admin, delete Namespace/shop',
    ]);
    expect(json.findings.filter((f) => ['namespace-deleted', 'rbac-escalation'].includes(f.rule)).map((f) => `${f.rule} ${f.target} ${f.name}`).sort()).toEqual([
      'namespace-deleted staging/apps shop',
      'rbac-escalation staging/apps ci-admin',
    ]);
  });
});

describe('declarations whose source is another repository', () => {
  const foreign = {
    ...multiCluster,
    'clusters/production/podinfo.yaml': `${gitRepository('podinfo', 'https://github.com/stefanprodan/podinfo')}---\n${fluxKustomization('podinfo', './', 'podinfo')}`,
  };

  it('a Flux Kustomization of another GitRepository is not rendered from this one: no target over the whole repository', async () => {
    repo = new TestRepo();
    const base = repo.commit(foreign);
    const head = repo.commit({
      'clusters/production/podinfo.yaml': `${gitRepository('podinfo', 'https://github.com/stefanprodan/podinfo').replace('branch: main', 'tag: 6.7.0')}---\n${fluxKustomization('podinfo', './', 'podinfo')}`,
    });
    const json = await review(base, head);
    // The bootstrap source names this repository (ssh://git@github.com/acme/fleet); podinfo's is another.
    expect(json.verdict).toBe('pass');
    expect(json.targets.filter((t) => t.path === '.')).toEqual([]);
    expect(json.notRendered).toEqual([
      {
        name: 'podinfo',
        declaredBy: { kind: 'Kustomization', namespace: 'flux-system', name: 'podinfo', file: 'clusters/production/podinfo.yaml' },
        reason: 'source is another repository (github.com/stefanprodan/podinfo)',
      },
    ]);
    // The changed file itself holds objects nothing else here renders: a plain directory.
    expect(json.targets.map((t) => t.name)).toEqual(['clusters/production']);
    expect(json.targets[0]!.changes.map((c) => `${c.action} ${c.kind} ${c.namespace}/${c.name}`)).toEqual(['update GitRepository flux-system/podinfo']);
    const markdown = (await cli(['review', '--repo', repo.dir, '--base', base, '--head', head])).stdout;
    expect(markdown).toContain('Not rendered: <code>podinfo</code> (source is another repository (github.com/stefanprodan/podinfo)).');
  });

  it('matches Argo CD repoURLs against the git remotes in any form, and the config repoURLs', async () => {
    repo = new TestRepo();
    repo.git('remote', 'add', 'origin', 'git@github.com:Acme/Fleet.git');
    const app = (name: string, url: string) => `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: ${name}, namespace: argocd}
spec:
  project: default
  source: {repoURL: "${url}", path: apps/staging, targetRevision: HEAD}
  destination: {server: https://kubernetes.default.svc, namespace: shop}
`;
    const base = repo.commit({
      ...multiCluster,
      'argo/ours.yaml': app('ours', 'https://github.com/acme/fleet'),
      'argo/theirs.yaml': app('theirs', 'https://github.com/other/fleet.git'),
    });
    const head = repo.commit({ 'apps/base/settings.yaml': configMap('settings', 'shop', { level: 'warn' }) });
    // The https form without .git and the scp-like ssh form of the remote, in another case, are one repository.
    expect((await review(base, head)).targets.map((t) => t.name)).toEqual(['ours', 'production/apps', 'staging/apps']);
    // The config may add the URLs Argo CD knows the repository by, when the remotes do not say them.
    const withConfig = repo.commit({ '.safe-deploy.yml': 'repoURLs: ["https://github.com/other/fleet"]\n' });
    const next = repo.commit({ 'apps/base/settings.yaml': configMap('settings', 'shop', { level: 'error' }) });
    expect((await review(withConfig, next)).targets.map((t) => t.name)).toEqual(['ours', 'theirs', 'production/apps', 'staging/apps']);
  });

  it('an Application of a Helm repository chart is listed as an external chart', async () => {
    repo = new TestRepo();
    const chartApp = (version: string) => `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: ingress, namespace: argocd}
spec:
  source: {repoURL: https://kubernetes.github.io/ingress-nginx, chart: ingress-nginx, targetRevision: ${version}}
  destination: {server: https://kubernetes.default.svc, namespace: ingress}
`;
    const base = repo.commit({ 'argo/ingress.yaml': chartApp('4.11.0') });
    const head = repo.commit({ 'argo/ingress.yaml': chartApp('4.12.0') });
    const json = await review(base, head);
    // What merging leaves: the head's version.
    expect(json.notRendered?.map((n) => `${n.name}: ${n.reason}`)).toEqual([
      'ingress: external chart ingress-nginx 4.12.0 from https://kubernetes.github.io/ingress-nginx, not rendered',
    ]);
  });
});

describe('repository URLs', () => {
  it('are one repository whatever their form', async () => {
    const { normalizeRepoURL } = await import('../../src/targets/repo-url.js');
    const forms = [
      'https://github.com/Acme/Fleet.git',
      'https://token:x-oauth@github.com/acme/fleet/',
      'http://github.com:443/acme/fleet',
      'ssh://git@github.com:22/acme/fleet.git',
      'git@github.com:acme/fleet.git',
      'git://github.com/acme/fleet',
    ];
    expect(new Set(forms.map(normalizeRepoURL))).toEqual(new Set(['github.com/acme/fleet']));
    expect(normalizeRepoURL('https://gitlab.example.com/group/sub/project.git')).toBe('gitlab.example.com/group/sub/project');
    expect(normalizeRepoURL('github.com/acme/fleet')).toBeNull();
    expect(normalizeRepoURL('not a url')).toBeNull();
  });
});

describe('discovery over Helm templates', () => {
  it('reads templates of Applications without a warning on stderr; a template key declares nothing', async () => {
    repo = new TestRepo();
    const template = (replicas: number) => `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: web
  annotations:
    {{ .Values.annotation }}: "yes"
spec:
  source: {repoURL: https://github.com/acme/fleet, path: web, helm: {parameters: [{name: replicas, value: "${replicas}"}]}}
  destination: {namespace: web}
`;
    const base = repo.commit({
      'apps/Chart.yaml': 'apiVersion: v2\nname: apps\nversion: 1.0.0\n',
      'apps/values.yaml': 'annotation: team\n',
      'apps/templates/web.yaml': template(1),
    });
    const head = repo.commit({ 'apps/templates/web.yaml': template(2) });
    const result = await cli(['review', '--repo', repo.dir, '--base', base, '--head', head, '--format', 'json']);
    expect(result.stderr).toBe('');
    const json = JSON.parse(result.stdout) as ReviewJson;
    // helm template renders the Application with annotation key "team"; the raw template is not a declaration.
    expect(json.targets.map((t) => `${t.name} ${t.changes.map((c) => `${c.action} ${c.kind}/${c.name}`).join()}`)).toEqual(['apps update Application/web']);
  });
});

describe('Flux ExternalArtifacts of an ArtifactGenerator (Flux 2.7 monorepo layout)', () => {
  const generator = (copies: string) => `apiVersion: source.extensions.fluxcd.io/v1beta1
kind: ArtifactGenerator
metadata: {name: flux-system, namespace: flux-system}
spec:
  sources:
    - {alias: monorepo, kind: GitRepository, name: flux-system}
  artifacts:
    - name: apps
      originRevision: "@monorepo"
      copy:
${copies}`;
  const layout = (copies: string) => ({
    'clusters/production/flux-system/gotk-sync.yaml': gitRepository('flux-system', 'https://github.com/acme/fleet'),
    'clusters/production/artifacts.yaml': generator(copies),
    'clusters/production/apps.yaml': `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: apps, namespace: flux-system}
spec:
  interval: 1h
  sourceRef: {kind: ExternalArtifact, name: apps}
  path: ./production
  prune: true
`,
    'apps/base/kustomization.yaml': 'resources: [settings.yaml]\n',
    'apps/base/settings.yaml': configMap('settings', 'shop', { level: 'info' }),
    'apps/production/kustomization.yaml': 'resources: [../base]\nnamePrefix: prod-\n',
  });
  const wholeDirectories = '        - {from: "@monorepo/apps/base/**", to: "@artifact/base/"}\n        - {from: "@monorepo/apps/production/**", to: "@artifact/production/"}\n';

  it('renders the artifact path from the directory the generator copies: ./production of the artifact is apps/production', async () => {
    repo = new TestRepo();
    const base = repo.commit(layout(wholeDirectories));
    const json = await review(base, repo.commit({ 'apps/base/settings.yaml': configMap('settings', 'shop', { level: 'debug' }) }));
    // `kubectl kustomize apps/production`: the base ConfigMap with the overlay's prefix.
    expect(json.targets.map((t) => `${t.name} ${t.path} ${t.declaredBy?.file}`)).toEqual(['apps apps/production clusters/production/apps.yaml']);
    expect(json.targets[0]!.changes.map((c) => `${c.action} ${c.kind} ${c.namespace}/${c.name} ${JSON.stringify(c.fields)}`)).toEqual([
      'update ConfigMap shop/prod-settings [{"path":"data.level","before":"info","after":"debug"}]',
    ]);
  });

  it('lists an artifact whose layout it does not evaluate as not rendered', async () => {
    repo = new TestRepo();
    const filtered = '        - {from: "@monorepo/apps/**", to: "@artifact/", exclude: ["*.md"]}\n';
    const base = repo.commit(layout(filtered));
    const json = await review(base, repo.commit({ 'clusters/production/apps.yaml': layout(filtered)['clusters/production/apps.yaml'].replace('1h', '30m') }));
    expect(json.notRendered?.map((n) => `${n.name}: ${n.reason}`)).toEqual([
      'apps: ArtifactGenerator flux-system builds artifact apps in a way safe-deploy does not evaluate (only whole directories of one source, "@source/dir/**" → "@artifact/dir/")',
    ]);
  });
});

describe('sources of this repository at another revision', () => {
  it("a tenant's GitRepository of this repository's URL on another branch is not this merge's to render (Flux multi-tenancy)", async () => {
    repo = new TestRepo();
    const tenant = (interval: string) => `apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {name: dev-team, namespace: apps}
spec:
  interval: ${interval}
  url: https://github.com/acme/fleet
  ref: {branch: dev-team}
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: dev-team, namespace: apps}
spec:
  interval: 5m
  sourceRef: {kind: GitRepository, name: dev-team}
  prune: true
`;
    const base = repo.commit({
      // As `flux bootstrap` writes it: the source of this repository and the Kustomization that syncs the cluster folder.
      'clusters/staging/flux-system/gotk-sync.yaml': `${gitRepository('flux-system', 'https://github.com/acme/fleet')}---\n${fluxKustomization('flux-system', './clusters/staging')}`,
      'tenants/dev-team/sync.yaml': tenant('1m'),
    });
    const json = await review(base, repo.commit({ 'tenants/dev-team/sync.yaml': tenant('2m') }));
    // The bootstrap source follows main: the tenant's path "./" is the dev-team branch, which this merge does not touch.
    expect(json.notRendered?.map((n) => `${n.name}: ${n.reason}`)).toEqual(['dev-team: source follows revision dev-team, not branch main']);
    expect(json.targets.map((t) => `${t.name} ${t.path}`)).toEqual(['tenants/dev-team tenants/dev-team']);
  });

  it('an Application pinned to a commit, or following another branch than the one merged into, is listed, not rendered', async () => {
    repo = new TestRepo();
    const app = (name: string, revision: string, replicas: string) => `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: ${name}, namespace: argocd}
spec:
  source: {repoURL: https://github.com/acme/fleet, path: apps/staging, targetRevision: "${revision}", kustomize: {patches: []}}
  destination: {namespace: shop}
  info: [{name: replicas, value: "${replicas}"}]
`;
    const files = (replicas: string) => ({
      'argo/head.yaml': app('follows-head', 'HEAD', replicas),
      'argo/main.yaml': app('follows-main', 'main', replicas),
      'argo/release.yaml': app('follows-release', 'release-1.2', replicas),
      'argo/pinned.yaml': app('pinned', '0123456789abcdef0123456789abcdef01234567', replicas),
    });
    const base = repo.commit({ ...multiCluster, ...files('1') });
    repo.git('branch', 'target', base);
    const head = repo.commit({ ...files('2'), 'apps/base/settings.yaml': configMap('settings', 'shop', { level: 'warn' }) });
    // Merging into "target": neither "main" nor "release-1.2" is that branch.
    const json = await review('target', head);
    expect(json.targets.filter((t) => t.declaredBy?.kind === 'Application').map((t) => t.name)).toEqual(['follows-head']);
    expect(json.notRendered?.map((n) => `${n.name}: ${n.reason}`).sort()).toEqual([
      'follows-main: source follows revision main, not branch target',
      'follows-release: source follows revision release-1.2, not branch target',
      'pinned: source is pinned to commit 0123456789abcdef0123456789abcdef01234567: merging does not change what it deploys',
    ]);
  });
});
