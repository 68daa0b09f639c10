import { afterEach, describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/config/load.js';
import { changedFiles } from '../../src/repo/git.js';
import { Snapshot } from '../../src/repo/snapshot.js';
import { runReview } from '../../src/review.js';
import { planTargets } from '../../src/targets/plan.js';
import { cli } from '../helpers/cli.js';
import { TestRepo } from '../helpers/git-repo.js';
import { configMap } from '../helpers/manifests.js';

let repo: TestRepo;
const snapshots: Snapshot[] = [];
afterEach(async () => {
  await Promise.all(snapshots.splice(0).map((s) => s.dispose()));
  repo.dispose();
});

const application = (name: string, spec: string) => `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: ${name}, namespace: argocd}
spec:
  project: default
${spec}  destination: {namespace: shop}
`;

const kustomized = (dir: string, level: string) => ({
  [`${dir}/kustomization.yaml`]: 'resources: [cm.yaml]\n',
  [`${dir}/cm.yaml`]: configMap('settings', { level }),
});

async function plan(base: string, head: string) {
  const [b, h] = await Promise.all([Snapshot.open(repo.dir, base), Snapshot.open(repo.dir, head)]);
  snapshots.push(b, h);
  const { targets: planned } = await planTargets(defaultConfig(), b, h, await changedFiles(repo.dir, base, head));
  const describe = (t: (typeof planned)[number]['base']) => (t ? `${t.renderer}:${t.path}${t.declaredBy ? `@${t.declaredBy.file}` : ''}` : '-');
  return planned.map((p) => `${p.name} = ${describe(p.base)} → ${describe(p.head)}`);
}
async function reviewJson(base: string, head: string) {
  const result = await cli(['review', '--repo', repo.dir, '--base', base, '--head', head, '--format', 'json']);
  if (result.status === 2) throw new Error(result.stderr);
  return JSON.parse(result.stdout) as { verdict: string; targets: Array<{ name: string; status: string; error?: string; declaredBy?: object; changes: Array<{ action: string; name: string }> }> };
}

describe('targets are paired by identity, not by name', () => {
  it('a kustomization directory and an Application of the same name are two targets, the base one kept at head', async () => {
    repo = new TestRepo();
    const base = repo.commit(kustomized('apps/prod', 'info'));
    const head = repo.commit({ ...kustomized('apps/prod', 'debug'), ...kustomized('apps/copy', 'info'), 'argo/prod.yaml': application('apps/prod', '  source: {path: apps/copy}\n') });
    expect(await plan(base, head)).toEqual([
      'apps/prod = kustomize:apps/prod → kustomize:apps/prod',
      'argo/apps/prod = - → kustomize:apps/copy@argo/prod.yaml',
      'argo = - → plain:argo',
    ]);
  });

  it('a declaration moved to another file is the same target', async () => {
    repo = new TestRepo();
    const declaration = application('shop', '  source: {path: apps/shop}\n');
    const base = repo.commit({ ...kustomized('apps/shop', 'info'), 'argo/shop.yaml': declaration });
    const head = repo.commit({ ...kustomized('apps/shop', 'debug'), 'argo/shop.yaml': null, 'argo/teams/shop.yaml': declaration });
    // The directories holding the declaration are plain targets of their own (app of apps).
    expect(await plan(base, head)).toEqual([
      'shop = kustomize:apps/shop@argo/shop.yaml → kustomize:apps/shop@argo/teams/shop.yaml',
      'argo = plain:argo → plain:argo',
      'argo/teams = - → plain:argo/teams',
    ]);
    const json = await reviewJson(base, head);
    expect(json.targets.map((t) => `${t.name}: ${t.changes.map((c) => `${c.action} ${c.name}`).join(', ')}`)).toEqual(['shop: update settings', 'argo: delete shop', 'argo/teams: create shop']);
    expect(json.targets[0]!.declaredBy).toEqual({ kind: 'Application', namespace: 'argocd', name: 'shop', file: 'argo/teams/shop.yaml' });
  });

  it('reruns one of two targets that share a name by the name the review gives it', async () => {
    repo = new TestRepo();
    const base = repo.commit(kustomized('apps/prod', 'info'));
    const head = repo.commit({ ...kustomized('apps/prod', 'debug'), ...kustomized('apps/copy', 'info'), 'argo/prod.yaml': application('apps/prod', '  source: {path: apps/copy}\n') });
    const names = async (targets: string[]) => (await runReview({ repo: repo.dir, base, head, targets })).targets.map((t) => `${t.name} ${t.path}`);
    expect(await names(['apps/prod'])).toEqual(['apps/prod apps/prod']);
    expect(await names(['argo/apps/prod'])).toEqual(['argo/apps/prod apps/copy']);
  });
});

describe('files read as data in a plain directory', () => {
  const chart = {
    'charts/api/Chart.yaml': 'apiVersion: v2\nname: api\nversion: 1.0.0\n',
    'charts/api/templates/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: api}\ndata: {replicas: "{{ .Values.replicas }}"}\n',
    'charts/api/values.yaml': 'replicas: 1\n',
  };

  it('skips value files an Application names and kustomization inputs, and refuses a values file nothing reads', async () => {
    repo = new TestRepo();
    const base = repo.commit({
      ...chart,
      'argo/api.yaml': application('api', '  source:\n    path: charts/api\n    helm: {valueFiles: [../../envs/prod/values-api.yaml]}\n'),
      'envs/kustomization.yaml': 'resources: [prod/cm.yaml]\npatches: [{path: prod/ops.yaml, target: {kind: ConfigMap}}]\n',
      'envs/prod/cm.yaml': configMap('env', { a: '1' }),
      'envs/prod/values-api.yaml': 'replicas: 3\n',
      'envs/prod/ops.yaml': '- {op: add, path: /data/b, value: "2"}\n',
      'envs/prod/extra.yaml': configMap('extra', { a: '1' }),
    });
    const ok = await reviewJson(base, repo.commit({ 'envs/prod/extra.yaml': configMap('extra', { a: '2' }) }));
    expect(ok.targets.map((t) => `${t.name} ${t.status}: ${t.changes.map((c) => `${c.action} ${c.name}`).join(', ')}`)).toEqual(['envs/prod ok: update extra']);
    const refused = await reviewJson(base, repo.commit({ 'envs/prod/values-old.yaml': 'replicas: 2\n' }));
    expect(refused.verdict).toBe('fail');
    expect(refused.targets.map((t) => `${t.name} ${t.status}: ${t.error}`)).toEqual([
      'envs/prod error: envs/prod/values-old.yaml:1: not a Kubernetes object: no apiVersion, kind, metadata.name; `kubectl apply -f envs/prod/` fails on it: make it a complete object or move it out of envs/prod/',
    ]);
  });
});
