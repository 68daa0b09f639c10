// Live mode end to end: the CLI (`review --live`) on a real git repository, the real
// renderers and the real @kubernetes/client-node against a fake API server behind nock.
// Expectations are written by hand from the API server's and the controllers' behaviour.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { TestRepo } from '../helpers/git-repo.js';
import { deployment } from '../helpers/manifests.js';
import { fluxKustomization, gitRepository } from '../helpers/gitops.js';
import { FakeKubeApi, kubeconfigFor, status, type Obj } from '../fakes/kube-api.js';
import { nockKubeApi } from '../fakes/kube-api-nock.js';
import { strictNock } from '../fakes/nock.js';

const SERVER = 'https://kube.test:6443';
strictNock();

interface Field {
  path: string;
  before: unknown;
  after: unknown;
}
interface LiveJson {
  cluster: string;
  status: string;
  reason?: string;
  fieldManager: string;
  force: boolean;
  prune: boolean;
  drift: Array<{ kind: string; name: string; fields: Array<{ path: string; base: unknown; live: unknown; head: unknown; manager?: string; owner?: string; message: string }> }>;
  pruned: Array<{ kind: string; namespace: string | null; name: string; action: string; owner: string; reason?: string; inBranchDiff: boolean }>;
  requests: number;
}
interface ReviewJson {
  verdict: string;
  targets: Array<{ name: string; live?: LiveJson; changes: Array<{ action: string; kind: string; name: string; fields: Field[]; live?: { exists: boolean; dryRun: string; message?: string; differs?: boolean; diff?: string; fields?: Field[]; serverAdded?: number } }> }>;
  findings: Array<{ rule: string; severity: string; kind?: string; name?: string; message: string; file?: string }>;
}

let repo: TestRepo;
let fake: FakeKubeApi;
let kubeconfig: string;

beforeEach(() => {
  repo = new TestRepo();
  fake = new FakeKubeApi();
  nockKubeApi(SERVER, fake);
  kubeconfig = join(repo.dir, '..', `${repo.dir.split('/').pop()}-kubeconfig`);
  writeFileSync(kubeconfig, kubeconfigFor(SERVER, 'prod'));
});
afterEach(() => repo.dispose());

async function live(base: string, head: string, extra: string[] = []): Promise<{ json: ReviewJson; markdown: string; status: number }> {
  const args = ['review', '--repo', repo.dir, '--base', base, '--head', head, '--live', '--kubeconfig', kubeconfig, '--context', 'prod', ...extra];
  const json = await cli([...args, '--format', 'json']);
  expect(json.stderr).toBe('');
  const markdown = await cli(args);
  return { json: JSON.parse(json.stdout) as ReviewJson, markdown: markdown.stdout, status: json.status ?? -1 };
}

const namespace = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } };

const deploymentYaml = (name: string, replicas: number, image: string) => deployment(name, { replicas, image, namespace: 'shop' });
/** The same Deployment as an object (tests/helpers/manifests.ts deployment()), as kubectl would have sent it. */
const deploymentObject = (name: string, replicas: number, image: string): Obj => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace: 'shop' },
  spec: {
    replicas,
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name } },
      spec: {
        securityContext: { runAsNonRoot: true },
        containers: [{ name: 'app', image, readinessProbe: { httpGet: { path: '/ready', port: 8080 } }, resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { memory: '128Mi' } } }],
      },
    },
  },
});
const configMapYaml = (name: string, mode: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ${name}, namespace: shop}\ndata: {mode: ${mode}}\n`;
const secretYaml = (password: string) => `apiVersion: v1\nkind: Secret\nmetadata: {name: db, namespace: shop}\ntype: Opaque\nstringData: {password: ${password}}\n`;
const hpaYaml = `apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: api, namespace: shop}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: api}
  minReplicas: 2
  maxReplicas: 10
  metrics: [{type: Resource, resource: {name: cpu, target: {type: Utilization, averageUtilization: 80}}}]
`;

describe('a plain target against its cluster', () => {
  const CONFIG = 'targets:\n  - {name: shop, path: deploy/shop, namespace: shop}\n';

  it('reports drift, the live diff where it says more than the branch, the cluster’s refusal, and keeps Secret values out', async () => {
    const base = repo.commit({
      '.safe-deploy.yml': CONFIG,
      'deploy/shop/web.yaml': deploymentYaml('web', 3, 'registry.example.com/web:1.0.0'),
      'deploy/shop/api.yaml': deploymentYaml('api', 2, 'registry.example.com/api:1.0.0') + '---\n' + hpaYaml,
      'deploy/shop/settings.yaml': configMapYaml('settings', 'a'),
      'deploy/shop/db.yaml': secretYaml('base-pass-111'),
    });
    const head = repo.commit({
      'deploy/shop/web.yaml': deploymentYaml('web', 3, 'registry.example.com/web:1.1.0'),
      'deploy/shop/settings.yaml': configMapYaml('settings', 'b'),
      'deploy/shop/db.yaml': secretYaml('head-pass-222'),
      'deploy/shop/extra.yaml': configMapYaml('extra', 'x'),
    });
    fake
      .put(namespace)
      // Someone scaled web by hand; the HPA scaled api; the Secret was rotated in the cluster.
      .put(deploymentObject('web', 5, 'registry.example.com/web:1.0.0'), 'kubectl-edit')
      .put(deploymentObject('api', 7, 'registry.example.com/api:1.0.0'), 'kube-controller-manager')
      .put({
        apiVersion: 'autoscaling/v2',
        kind: 'HorizontalPodAutoscaler',
        metadata: { name: 'api', namespace: 'shop' },
        spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'api' }, minReplicas: 2, maxReplicas: 10, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }] },
      })
      .put({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'shop' }, data: { mode: 'a' } })
      .put({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', namespace: 'shop' }, type: 'Opaque', stringData: { password: 'live-pass-333' } })
      .fault({ method: 'PATCH', path: /configmaps\/extra$/, status: 400, body: status(400, 'BadRequest', 'admission webhook "policy.example.com" denied the request: ConfigMaps in shop need the label team') });

    const { json, markdown, status: exit } = await live(base, head);
    const target = json.targets.find((t) => t.name === 'shop')!;
    expect(target.live).toMatchObject({ cluster: 'prod', status: 'ok', fieldManager: 'kubectl-client-side-apply', force: true, prune: false, pruned: [] });
    expect(target.live!.requests).toBeGreaterThan(10);

    const drift = Object.fromEntries(target.live!.drift.map((d) => [`${d.kind}/${d.name}`, d.fields.map((f) => f.message)]));
    expect(drift).toEqual({
      'Deployment/web': ['changed in the cluster by hand: spec.replicas 3 → 5 — merging will set it back to 3'],
      'Deployment/api': ['owned by another manager: HorizontalPodAutoscaler api (spec.replicas 7; the base sets 2) — each sync sets it back and HorizontalPodAutoscaler api changes it again'],
      'Secret/db': ['changed in the cluster by hand: data.password *** → *** (changed) — merging will set it anew'],
    });
    expect(target.live!.drift.find((d) => d.kind === 'Deployment' && d.name === 'api')!.fields[0]).toMatchObject({ path: 'spec.replicas', base: 2, live: 7, head: 2, manager: 'kube-controller-manager', owner: 'HorizontalPodAutoscaler api' });

    const change = (name: string) => target.changes.find((c) => c.name === name)!;
    // web: the branch changes the image; the cluster also goes from 5 replicas back to 3.
    expect(change('web').live).toMatchObject({ exists: true, dryRun: 'ok', differs: true });
    expect(change('web').live!.fields).toEqual([
      { path: 'spec.replicas', before: 5, after: 3 },
      { path: 'spec.template.spec.containers[name=app].image', before: 'registry.example.com/web:1.0.0', after: 'registry.example.com/web:1.1.0' },
    ]);
    expect(change('web').live!.diff).toContain('-  replicas: 5\n+  replicas: 3');
    // settings: the cluster holds what the base says, so the live diff is the branch diff.
    expect(change('settings').live).toEqual({ exists: true, dryRun: 'ok', fields: [{ path: 'data.mode', before: 'a', after: 'b' }], differs: false });
    // db: rotated in the cluster, so the sync replaces another value than the branch says; both read only "changed".
    expect(change('db').live).toMatchObject({ exists: true, dryRun: 'ok', fields: [{ path: 'data.password', before: '***', after: '*** (changed)' }], differs: true });
    expect(change('db').live!.diff).toContain('-  password: "***"\n+  password: "*** (changed)"');
    // extra: refused by the cluster's admission webhook.
    expect(change('extra').live).toEqual({ exists: false, dryRun: 'rejected', message: 'admission webhook "policy.example.com" denied the request: ConfigMaps in shop need the label team' });
    expect(json.findings.filter((f) => f.rule === 'cluster-rejected')).toEqual([
      expect.objectContaining({ severity: 'error', kind: 'ConfigMap', name: 'extra', file: 'deploy/shop/extra.yaml', message: 'Cluster prod rejects ConfigMap shop/extra: admission webhook "policy.example.com" denied the request: ConfigMaps in shop need the label team' }),
    ]);
    expect(json.verdict).toBe('fail');
    expect(exit).toBe(1);

    expect(markdown).toContain('**Cluster <code>prod</code>** · dry-run as <code>kubectl-client-side-apply</code> (forced) · pruning off');
    expect(markdown).toContain('Cluster differs from the base branch:');
    expect(markdown).toContain('- <code>Deployment shop/web</code>: changed in the cluster by hand: spec.replicas 3 → 5 — merging will set it back to 3');
    expect(markdown).toContain('_In the cluster (live → after merge), which differs from the branch:_');
    expect(markdown).toContain('🚫 cluster rejects it: admission webhook');

    // Secret values: neither the render's nor the cluster's, in any spelling, anywhere.
    for (const text of [JSON.stringify(json), markdown]) {
      for (const value of ['base-pass-111', 'head-pass-222', 'live-pass-333']) {
        expect(text).not.toContain(value);
        expect(text).not.toContain(Buffer.from(value).toString('base64'));
      }
      expect(text).not.toMatch(/sha256:[0-9a-f]{64}/);
    }
    // Never a write: every request that is not a read was a dry-run (two reviews, JSON and comment, four each).
    expect(fake.requests.filter((r) => r.method === 'PATCH').length).toBe(8);
    expect(fake.writes()).toEqual([]);
  });

  it('shows no live diff where the cluster only adds its defaults, and says when an object the base does not declare is already there', async () => {
    const base = repo.commit({ '.safe-deploy.yml': CONFIG, 'deploy/shop/web.yaml': deploymentYaml('web', 3, 'registry.example.com/web:1.0.0') });
    const head = repo.commit({ 'deploy/shop/web.yaml': deploymentYaml('web', 3, 'registry.example.com/web:1.1.0'), 'deploy/shop/other.yaml': configMapYaml('other', 'x') });
    fake
      .put(namespace)
      .put(deploymentObject('web', 3, 'registry.example.com/web:1.0.0'))
      .put({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'other', namespace: 'shop' }, data: { mode: 'cluster-only-content' } });
    const { json, markdown } = await live(base, head);
    const target = json.targets[0]!;
    expect(target.live!.drift).toEqual([]);
    const web = target.changes.find((c) => c.name === 'web')!;
    // Live and dry-run result both carry the server's defaults (revisionHistoryLimit, terminationMessagePath…): they cancel out.
    expect(web.live).toEqual({ exists: true, dryRun: 'ok', fields: [{ path: 'spec.template.spec.containers[name=app].image', before: 'registry.example.com/web:1.0.0', after: 'registry.example.com/web:1.1.0' }], differs: false });
    const other = target.changes.find((c) => c.name === 'other')!;
    expect(other.live).toEqual({ exists: true, dryRun: 'ok', message: 'already in the cluster, where the base branch does not declare it: the sync takes it over (its live state is not shown)' });
    expect(JSON.stringify(json) + markdown).not.toContain('cluster-only-content');
    expect(json.verdict).toBe('pass');
  });

  it('counts the defaults of a new object instead of showing them, and skips a namespace the change creates', async () => {
    const base = repo.commit({ '.safe-deploy.yml': 'targets:\n  - {name: shop, path: deploy/shop, namespace: shop}\n  - {name: fresh, path: deploy/fresh, namespace: fresh}\n', 'deploy/shop/settings.yaml': configMapYaml('settings', 'a'), 'deploy/fresh/.keep': '' });
    const head = repo.commit({
      'deploy/shop/web.yaml': deploymentYaml('web', 2, 'registry.example.com/web:1.0.0'),
      'deploy/fresh/ns.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata: {name: fresh}\n',
      'deploy/fresh/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: fresh}\ndata: {a: b}\n',
    });
    fake.put(namespace).put({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'shop' }, data: { mode: 'a' } });
    const { json } = await live(base, head);
    const web = json.targets.find((t) => t.name === 'shop')!.changes.find((c) => c.name === 'web')!;
    expect(web.live).toMatchObject({ exists: false, dryRun: 'ok', fields: [], differs: false });
    // replicas is set; revisionHistoryLimit, progressDeadlineSeconds, strategy (3), restartPolicy, terminationGracePeriodSeconds, dnsPolicy, schedulerName, 4 container defaults…
    expect(web.live!.serverAdded).toBeGreaterThanOrEqual(10);
    const fresh = json.targets.find((t) => t.name === 'fresh')!;
    expect(fresh.changes.find((c) => c.kind === 'ConfigMap')!.live).toEqual({ exists: false, dryRun: 'skipped', message: 'namespace fresh is created by this change: the API server checks the object once it exists' });
    expect(json.findings.filter((f) => f.rule === 'cluster-rejected')).toEqual([]);
  });
});

describe('reading many objects', () => {
  it('lists a kind in a namespace once it has many objects there, but reads Secrets one by one', async () => {
    const files: Record<string, string> = { '.safe-deploy.yml': 'targets:\n  - {name: shop, path: deploy/shop, namespace: shop}\n' };
    for (let i = 0; i < 9; i++) {
      files[`deploy/shop/cm-${i}.yaml`] = configMapYaml(`cm-${i}`, 'a');
      files[`deploy/shop/secret-${i}.yaml`] = secretYaml(`pass-${i}`).replace('name: db', `name: db-${i}`);
    }
    const base = repo.commit(files);
    const head = repo.commit({ 'deploy/shop/cm-0.yaml': configMapYaml('cm-0', 'b') });
    fake.put(namespace);
    for (let i = 0; i < 9; i++) fake.put({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${i}`, namespace: 'shop' }, data: { mode: i === 3 ? 'drifted' : 'a' } });
    fake.put({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'not-ours', namespace: 'shop' }, data: { secret: 'unrelated' } });
    const { json } = await live(base, head);
    const target = json.targets[0]!;
    expect(target.live!.drift.map((d) => `${d.name}: ${d.fields[0]!.message}`)).toEqual(['cm-3: changed in the cluster by hand: data.mode a → drifted — merging will set it back to a']);
    expect(JSON.stringify(json)).not.toContain('unrelated');
    const paths = fake.requests.map((r) => `${r.method} ${r.path}`);
    expect(paths.filter((p) => p.startsWith('GET /api/v1/namespaces/shop/configmaps'))).toEqual(['GET /api/v1/namespaces/shop/configmaps', 'GET /api/v1/namespaces/shop/configmaps']);
    expect(paths.filter((p) => p.startsWith('GET /api/v1/namespaces/shop/secrets/')).length).toBe(18);
    expect(paths.some((p) => p === 'GET /api/v1/namespaces/shop/secrets')).toBe(false);
  });
});

describe('a cluster that cannot be asked', () => {
  const CONFIG = 'targets:\n  - {name: shop, path: deploy/shop, namespace: shop}\n';

  it('degrades only the live section, with one line, and the verdict stays the branch review’s', async () => {
    const base = repo.commit({ '.safe-deploy.yml': CONFIG, 'deploy/shop/settings.yaml': configMapYaml('settings', 'a') });
    const head = repo.commit({ 'deploy/shop/settings.yaml': configMapYaml('settings', 'b') });
    fake.fault({ path: /.*/, refuse: true });
    const { json, markdown } = await live(base, head);
    expect(json.verdict).toBe('pass');
    expect(json.targets[0]!.live).toMatchObject({ status: 'unavailable', reason: 'cluster prod: unreachable (ECONNREFUSED)' });
    expect(json.targets[0]!.changes[0]!.fields).toEqual([{ path: 'data.mode', before: 'a', after: 'b' }]);
    expect(markdown).toContain('_Live check not done: cluster prod: unreachable (ECONNREFUSED)');
  });

  it('fails the review with live-unavailable when live.required is set, and reads 403s as forbidden', async () => {
    const base = repo.commit({ '.safe-deploy.yml': `${CONFIG}live: {required: true}\n`, 'deploy/shop/settings.yaml': configMapYaml('settings', 'a') });
    const head = repo.commit({ 'deploy/shop/settings.yaml': configMapYaml('settings', 'b') });
    fake.put(namespace).fault({ path: /configmaps/, status: 403, body: status(403, 'Forbidden', 'configmaps "settings" is forbidden: User "system:serviceaccount:safe-deploy:bot" cannot get resource "configmaps" in API group "" in the namespace "shop"') });
    const { json } = await live(base, head);
    expect(json.targets[0]!.live!.status).toBe('unavailable');
    expect(json.targets[0]!.live!.reason).toMatch(/^cluster prod: forbidden \(GET v1 ConfigMap shop\/settings\): configmaps "settings" is forbidden/);
    expect(json.findings).toEqual([expect.objectContaining({ rule: 'live-unavailable', severity: 'error', message: expect.stringMatching(/^Cluster prod could not be checked for shop: cluster prod: forbidden/) })]);
    expect(json.verdict).toBe('fail');
  });
});

describe('a Flux Kustomization: prune prediction', () => {
  const kustomization = (prune: boolean) => fluxKustomization(prune, '  targetNamespace: shop\n');
  const fluxLabels = (name: string) => ({ 'kustomize.toolkit.fluxcd.io/name': name, 'kustomize.toolkit.fluxcd.io/namespace': 'flux-system' });

  it('deletes what only the cluster has under the Kustomization’s labels, keeps what is annotated, ignores other owners', async () => {
    const base = repo.commit({
      'clusters/prod/flux-system/gotk-sync.yaml': gitRepository(),
      'clusters/prod/apps.yaml': kustomization(true),
      'apps/kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [settings.yaml, old.yaml]\n',
      'apps/settings.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {mode: a}\n',
      'apps/old.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: old}\ndata: {mode: a}\n',
    });
    const head = repo.commit({
      'apps/kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [settings.yaml]\n',
      'apps/settings.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {mode: b}\n',
      'apps/old.yaml': null,
    });
    const cm = (name: string, labels: Record<string, string>, annotations: Record<string, string> = {}): Obj => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'shop', labels, annotations }, data: { mode: 'a' } });
    fake
      .put(namespace)
      .put(cm('settings', fluxLabels('apps')), 'kustomize-controller')
      .put(cm('old', fluxLabels('apps')), 'kustomize-controller')
      .put(cm('stale', fluxLabels('apps')), 'kustomize-controller')
      .put(cm('kept', fluxLabels('apps'), { 'kustomize.toolkit.fluxcd.io/prune': 'disabled' }), 'kustomize-controller')
      .put(cm('someone-else', fluxLabels('infra')), 'kustomize-controller');
    const { json, markdown } = await live(base, head);
    const target = json.targets.find((t) => t.live)!;
    expect(target.live).toMatchObject({ fieldManager: 'kustomize-controller', force: true, prune: true, drift: [] });
    const owner = 'Flux Kustomization flux-system/apps';
    expect(target.live!.pruned).toEqual([
      { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'shop', name: 'old', action: 'delete', owner, inBranchDiff: true },
      { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'shop', name: 'stale', action: 'delete', owner, inBranchDiff: false },
      { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'shop', name: 'kept', action: 'left-behind', owner, reason: 'marked kustomize.toolkit.fluxcd.io/prune: disabled', inBranchDiff: false },
    ]);
    // The list asked the API server for the Kustomization's labels only.
    expect(fake.requests.find((r) => r.path === '/api/v1/namespaces/shop/configmaps')?.query.get('labelSelector')).toBe('kustomize.toolkit.fluxcd.io/name=apps,kustomize.toolkit.fluxcd.io/namespace=flux-system');
    expect(markdown).toContain('Only in the cluster, pruned by the sync:\n- 🗑️ <code>ConfigMap shop/stale</code> (Flux Kustomization flux-system/apps)');
    expect(markdown).toContain('Only in the cluster, left behind:\n- <code>ConfigMap shop/kept</code> (Flux Kustomization flux-system/apps; marked kustomize.toolkit.fluxcd.io/prune: disabled)');
    expect(markdown).not.toContain('someone-else');
  });

  it('with spec.force, an update refused for an immutable field is no refusal: Flux re-creates the object', async () => {
    const layout = (force: boolean) => ({
      'clusters/prod/flux-system/gotk-sync.yaml': gitRepository(),
      'clusters/prod/apps.yaml': fluxKustomization(true, `  targetNamespace: shop\n${force ? '  force: true\n' : ''}`),
      'apps/kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [settings.yaml]\n',
      'apps/settings.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\nimmutable: true\ndata: {mode: a}\n',
    });
    const immutable = status(422, 'Invalid', 'ConfigMap "settings" is invalid: data: Forbidden: field is immutable when `immutable` is set', [{ field: 'data', message: 'Forbidden: field is immutable when `immutable` is set', reason: 'FieldValueForbidden' }]);
    for (const force of [true, false]) {
      const base = repo.commit(layout(force));
      const head = repo.commit({ 'apps/settings.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\nimmutable: true\ndata: {mode: b}\n' });
      fake = new FakeKubeApi();
      nock.cleanAll();
      nockKubeApi(SERVER, fake);
      fake.put(namespace).put({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'shop' }, immutable: true, data: { mode: 'a' } }, 'kustomize-controller');
      fake.fault({ method: 'PATCH', path: /configmaps\/settings$/, status: 422, body: immutable });
      const { json } = await live(base, head);
      const change = json.targets.find((t) => t.live)!.changes[0]!;
      const rejected = json.findings.filter((f) => f.rule === 'cluster-rejected');
      if (force) {
        expect(change.live).toEqual({ exists: true, dryRun: 'skipped', message: 'the API server refuses to update it in place (ConfigMap "settings" is invalid: data: Forbidden: field is immutable when `immutable` is set); the sync deletes and re-creates it' });
        expect(rejected).toEqual([]);
      } else {
        expect(change.live).toMatchObject({ dryRun: 'rejected' });
        expect(rejected.map((f) => f.message)).toEqual(['Cluster prod rejects ConfigMap shop/settings: ConfigMap "settings" is invalid: data: Forbidden: field is immutable when `immutable` is set']);
      }
    }
  });

  it("also prunes what the Kustomization's inventory lists in kinds and namespaces the renders do not use", async () => {
    const base = repo.commit({
      'clusters/prod/flux-system/gotk-sync.yaml': gitRepository(),
      'clusters/prod/apps.yaml': kustomization(true),
      'apps/kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [settings.yaml]\n',
      'apps/settings.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {mode: a}\n',
    });
    const head = repo.commit({ 'apps/settings.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {mode: b}\n' });
    fake.addKind({ group: 'kustomize.toolkit.fluxcd.io', version: 'v1', kind: 'Kustomization', plural: 'kustomizations', namespaced: true });
    fake
      .put(namespace)
      .put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'jobs' } })
      .put({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'shop', labels: fluxLabels('apps') }, data: { mode: 'a' } }, 'kustomize-controller')
      .put({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'runner', namespace: 'jobs', labels: fluxLabels('apps') } }, 'kustomize-controller')
      .put({
        apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
        kind: 'Kustomization',
        metadata: { name: 'apps', namespace: 'flux-system' },
        spec: { prune: true },
        status: { inventory: { entries: [{ id: 'shop_settings__ConfigMap', v: 'v1' }, { id: 'jobs_runner__ServiceAccount', v: 'v1' }, { id: 'jobs_gone__ServiceAccount', v: 'v1' }] } },
      });
    const { json } = await live(base, head);
    expect(json.targets.find((t) => t.live)!.live!.pruned).toEqual([
      { apiVersion: 'v1', kind: 'ServiceAccount', namespace: 'jobs', name: 'runner', action: 'delete', owner: 'Flux Kustomization flux-system/apps', inBranchDiff: false },
    ]);
  });

  it('leaves them behind when the Kustomization does not prune', async () => {
    const base = repo.commit({
      'clusters/prod/flux-system/gotk-sync.yaml': gitRepository(),
      'clusters/prod/apps.yaml': kustomization(false),
      'apps/kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [settings.yaml]\n',
      'apps/settings.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {mode: a}\n',
    });
    const head = repo.commit({ 'apps/settings.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {mode: b}\n' });
    fake.put(namespace).put({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'stale', namespace: 'shop', labels: fluxLabels('apps') }, data: {} }, 'kustomize-controller');
    const { json } = await live(base, head);
    expect(json.targets.find((t) => t.live)!.live!.pruned).toEqual([
      { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'shop', name: 'stale', action: 'left-behind', owner: 'Flux Kustomization flux-system/apps', reason: 'spec.prune is not true', inBranchDiff: false },
    ]);
  });
});
