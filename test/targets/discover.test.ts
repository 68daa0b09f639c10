import { afterEach, describe, expect, it } from 'vitest';
import { discoverTargets } from '../../src/targets/discover.js';
import { Snapshot } from '../../src/repo/snapshot.js';
import { cli } from '../helpers/cli.js';
import { TestRepo } from '../helpers/git-repo.js';
import { configMap, deployment } from '../helpers/manifests.js';

let repo: TestRepo;
let snapshot: Snapshot | undefined;
afterEach(async () => {
  await snapshot?.dispose();
  snapshot = undefined;
  repo.dispose();
});

const chart = (name: string, extra: Record<string, string> = {}) => ({
  [`${name}/Chart.yaml`]: `apiVersion: v2\nname: ${name.split('/').pop()}\nversion: 1.0.0\n`,
  [`${name}/values.yaml`]: 'replicas: 1\nimage: app:1.0.0\n',
  [`${name}/templates/deploy.yaml`]: `apiVersion: apps/v1
kind: Deployment
metadata: {name: {{ .Release.Name }}}
spec:
  replicas: {{ .Values.replicas }}
  selector: {matchLabels: {app: x}}
  template:
    metadata: {labels: {app: x}}
    spec: {containers: [{name: app, image: {{ .Values.image }}}]}
`,
  ...extra,
});

const application = (name: string, spec: string) => `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: ${name}
  namespace: argocd
spec:
  project: default
${spec}`;

const repoLayout = {
  ...chart('charts/api'),
  ...chart('charts/lib'),
  'charts/lib/Chart.yaml': 'apiVersion: v2\nname: lib\nversion: 1.0.0\ntype: library\n',
  ...chart('charts/api/charts/sub'),
  'charts/api/charts/sub/templates/deploy.yaml': 'apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: {{ .Release.Name }}-sub}\n',
  'envs/prod/api-values.yaml': 'replicas: 4\n',
  'kustomize/base/kustomization.yaml': 'resources: [cm.yaml]\n',
  'kustomize/base/cm.yaml': configMap('cfg', { a: '1' }),
  'kustomize/comp/kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\ncommonAnnotations: {team: platform}\n',
  'kustomize/prod/kustomization.yaml': 'resources: [../base]\ncomponents: [../comp]\n',
  'kustomize/dev/kustomization.yaml': 'resources: [../base]\n',
  'plain/web/deploy.yaml': deployment('web'),
  'argo/api-prod.yaml': application(
    'api-prod',
    `  source:
    repoURL: https://git.example.com/platform/gitops.git
    path: charts/api
    helm:
      releaseName: api
      valueFiles: [../../envs/prod/api-values.yaml]
      parameters: [{name: image, value: "app:2.0.0"}]
  destination: {server: https://kubernetes.default.svc, namespace: api-prod}
`,
  ),
  'argo/multi.yaml': application(
    'api-multi',
    `  sources:
    - repoURL: https://git.example.com/platform/gitops.git
      path: charts/api
      helm: {valueFiles: [$values/envs/prod/api-values.yaml]}
    - repoURL: https://git.example.com/platform/gitops.git
      ref: values
  destination: {namespace: multi}
`,
  ),
  'argo/kustomize.yaml': application(
    'cfg-prod',
    `  source:
    path: kustomize/prod
    kustomize: {namePrefix: p-, images: ["app=registry.example.com/app:3"]}
  destination: {namespace: cfg}
`,
  ),
  'argo/elsewhere.yaml': application('remote-chart', '  source: {repoURL: https://charts.example.com, chart: redis, targetRevision: 1.0.0}\n  destination: {namespace: x}\n'),
  'argo/plain.yaml': application('web', '  source: {path: plain, directory: {recurse: true}}\n  destination: {namespace: web}\n'),
  'flux/apps.yaml': `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: flux-dev, namespace: flux-system}
spec:
  path: ./kustomize/dev
  targetNamespace: dev
  sourceRef: {kind: GitRepository, name: gitops}
---
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {name: gitops, namespace: flux-system}
spec: {url: https://git.example.com/platform/gitops.git}
`,
};

describe('discovery', () => {
  it('finds kustomization roots, charts, Applications and Flux Kustomizations', async () => {
    repo = new TestRepo();
    snapshot = await Snapshot.open(repo.dir, repo.commit(repoLayout));
    const targets = await discoverTargets(snapshot);
    expect(targets.map((t) => `${t.name} ${t.renderer} ${t.path} ns=${t.namespace}`)).toEqual([
      'api-prod helm charts/api ns=api-prod',
      'cfg-prod kustomize kustomize/prod ns=cfg',
      'api-multi helm charts/api ns=multi',
      'web plain plain ns=web',
      'flux-dev kustomize kustomize/dev ns=dev',
    ]);
    const byName = Object.fromEntries(targets.map((t) => [t.name, t]));
    expect(byName['api-prod']!.helm).toEqual({ releaseName: 'api', valueFiles: ['../../envs/prod/api-values.yaml'], parameters: [{ name: 'image', value: 'app:2.0.0' }] });
    expect(byName['api-multi']!.helm).toEqual({ releaseName: 'api-multi', valueFiles: ['../../envs/prod/api-values.yaml'] });
    expect(byName['cfg-prod']!.kustomize).toEqual({ namePrefix: 'p-', images: ['app=registry.example.com/app:3'] });
    expect(byName.web!.recurse).toBe(true);
    expect(byName['api-prod']!.declaredBy).toEqual({ kind: 'Application', namespace: 'argocd', name: 'api-prod', file: 'argo/api-prod.yaml' });
  });

  it('finds bare roots and charts when nothing declares them, skipping library charts, subcharts and components', async () => {
    repo = new TestRepo();
    const files = Object.fromEntries(Object.entries(repoLayout).filter(([path]) => !path.startsWith('argo/') && !path.startsWith('flux/')));
    snapshot = await Snapshot.open(repo.dir, repo.commit(files));
    expect((await discoverTargets(snapshot)).map((t) => `${t.name} ${t.renderer}`)).toEqual(['kustomize/dev kustomize', 'kustomize/prod kustomize', 'charts/api helm']);
  });
});

describe('affected detection through declarations', () => {
  const reviewNames = async (base: string, head: string) => {
    const result = await cli(['review', '--repo', repo.dir, '--base', base, '--head', head, '--format', 'json']);
    if (result.status === 2) throw new Error(result.stderr);
    return JSON.parse(result.stdout);
  };

  it('renders an Application with its value files and namespace when a value file changes', async () => {
    repo = new TestRepo();
    const base = repo.commit(repoLayout);
    const json = await reviewNames(base, repo.commit({ 'envs/prod/api-values.yaml': 'replicas: 6\n' }));
    expect(json.targets.map((t: { name: string }) => t.name)).toEqual(['api-prod', 'api-multi']);
    const [prod] = json.targets;
    expect(prod.changes).toEqual([
      expect.objectContaining({ action: 'update', kind: 'Deployment', namespace: 'api-prod', name: 'api', fields: [{ path: 'spec.replicas', before: 4, after: 6 }] }),
    ]);
  });

  it('uses the head definition of a changed Application', async () => {
    repo = new TestRepo();
    const base = repo.commit(repoLayout);
    const head = repo.commit({ 'argo/api-prod.yaml': repoLayout['argo/api-prod.yaml'].replace('value: "app:2.0.0"', 'value: "app:2.1.0"') });
    const json = await reviewNames(base, head);
    // The Application object itself changes too: its directory is a plain target (app of apps).
    expect(json.targets.map((t: { name: string }) => t.name)).toEqual(['api-prod', 'argo']);
    expect(json.targets[0].changes[0].fields).toEqual([{ path: 'spec.template.spec.containers[name=app].image', before: 'app:2.0.0', after: 'app:2.1.0' }]);
  });

  it('applies Argo CD kustomize overrides and the Flux target namespace', async () => {
    repo = new TestRepo();
    const base = repo.commit(repoLayout);
    const json = await reviewNames(base, repo.commit({ 'kustomize/base/cm.yaml': configMap('cfg', { a: '2' }) }));
    const names = json.targets.map((t: { name: string; changes: Array<{ namespace: string; name: string }> }) => `${t.name}: ${t.changes.map((c) => `${c.namespace}/${c.name}`).join(',')}`);
    expect(names).toEqual(['cfg-prod: cfg/p-cfg', 'flux-dev: dev/cfg']);
  });

  it('leaves a plain directory claimed by an Application to it', async () => {
    repo = new TestRepo();
    const base = repo.commit(repoLayout);
    const json = await reviewNames(base, repo.commit({ 'plain/web/deploy.yaml': deployment('web', { replicas: 3 }) }));
    expect(json.targets.map((t: { name: string; changes: Array<{ namespace: string }> }) => `${t.name}:${t.changes[0]!.namespace}`)).toEqual(['web:web']);
  });
});

describe('skipping identical inputs', () => {
  it('does not render an Application whose declaring file changed elsewhere', async () => {
    repo = new TestRepo();
    const both = `${repoLayout['argo/api-prod.yaml']}---\n${repoLayout['argo/kustomize.yaml']}`;
    const base = repo.commit({ ...repoLayout, 'argo/api-prod.yaml': both, 'argo/kustomize.yaml': null });
    const head = repo.commit({ 'argo/api-prod.yaml': both.replace('namePrefix: p-', 'namePrefix: q-') });
    const result = await cli(['review', '--repo', repo.dir, '--base', base, '--head', head, '--format', 'json']);
    expect(JSON.parse(result.stdout).targets.map((t: { name: string }) => t.name)).toEqual(['cfg-prod', 'argo']);
  });
});

describe('the Applications all ApplicationSets generate together', () => {
  it('are bounded: past the total, an ApplicationSet is a failed declaration, not a silent omission', async () => {
    const { MAX_GENERATED_TARGETS, withinTotal } = await import('../../src/targets/discover.js');
    repo = new TestRepo();
    const declaredBy = (name: string) => ({ kind: 'ApplicationSet', namespace: 'argocd', name, file: `argo/${name}.yaml` });
    const appset = (name: string, count: number) => ({
      targets: Array.from({ length: count }, (_, i) => ({ name: `${name}-${i}`, path: 'apps/web', renderer: 'plain' as const, namespace: 'web', declaredBy: declaredBy(name) })),
      notRendered: [],
    });
    const half = MAX_GENERATED_TARGETS / 2;
    const [a, b, c] = withinTotal([appset('a', half), appset('b', half), appset('c', 1)]);
    expect([a!.targets.length, b!.targets.length, c!.targets.length]).toEqual([half, half, 0]);
    expect(c!.notRendered).toEqual([
      { name: 'c', declaredBy: declaredBy('c'), reason: `not generated: the repository's ApplicationSets generate over ${MAX_GENERATED_TARGETS} Applications together`, failed: true },
    ]);
  });
});
