// A decoy: a new declaration that reuses the name of a real target and points at
// a copy of its base, so that a change to the real target seems to vanish. Every
// target of the base stays reviewed, and both appear, told apart.
import { afterEach, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { TestRepo } from '../helpers/git-repo.js';
import { configMap } from '../helpers/manifests.js';

let repo: TestRepo;
afterEach(() => repo.dispose());

const pvc = `apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 10Gi}}
`;

/** A kustomization directory with a claim and a ConfigMap. */
const app = (dir: string) => ({
  [`${dir}/kustomization.yaml`]: 'resources: [pvc.yaml, cm.yaml]\n',
  [`${dir}/pvc.yaml`]: pvc,
  [`${dir}/cm.yaml`]: configMap('settings', { level: 'info' }),
});

const application = (name: string, namespace: string, path: string) => `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: ${name}, namespace: ${namespace}}
spec:
  project: default
  source: {repoURL: https://git.example.com/gitops.git, path: ${path}}
  destination: {server: https://kubernetes.default.svc, namespace: shop}
`;

interface ReviewJson {
  verdict: string;
  targets: Array<{ name: string; path: string; declaredBy?: object; changes: Array<{ action: string; kind: string; name: string }> }>;
  findings: Array<{ rule: string; target: string; name: string }>;
}
async function review(base: string, head: string): Promise<ReviewJson> {
  const result = await cli(['review', '--repo', repo.dir, '--base', base, '--head', head, '--format', 'json']);
  if (result.status === 2) throw new Error(result.stderr);
  return JSON.parse(result.stdout) as ReviewJson;
}

const listed = (json: ReviewJson) => json.targets.map((t) => `${t.name} ${t.path}: ${t.changes.map((c) => `${c.action} ${c.kind}/${c.name}`).join(', ')}`);

describe('a decoy target', () => {
  it('an Application named like a kustomization directory, pointing at a copy of it, does not hide a deleted claim', async () => {
    repo = new TestRepo();
    const base = repo.commit(app('apps/prod'));
    const head = repo.commit({ ...app('apps/prod-copy'), 'apps/prod/pvc.yaml': null, 'apps/prod/kustomization.yaml': 'resources: [cm.yaml]\n', 'argo/decoy.yaml': application('apps/prod', 'argocd', 'apps/prod-copy') });
    const json = await review(base, head);
    expect(json.verdict).toBe('fail');
    expect(json.findings.filter((f) => f.rule === 'pvc-deleted').map((f) => `${f.target}:${f.name}`)).toEqual(['apps/prod:data']);
    expect(listed(json)).toEqual([
      'apps/prod apps/prod: delete PersistentVolumeClaim/data',
      'argo/apps/prod apps/prod-copy: create ConfigMap/settings, create PersistentVolumeClaim/data',
      'argo argo: create Application/apps/prod',
    ]);
    expect(json.targets[1]!.declaredBy).toEqual({ kind: 'Application', namespace: 'argocd', name: 'apps/prod', file: 'argo/decoy.yaml' });
  });

  it('a second Application of the same name in a file listed first does not replace the real one', async () => {
    repo = new TestRepo();
    const base = repo.commit({ ...app('apps/shop'), 'argo/shop.yaml': application('shop', 'argocd', 'apps/shop') });
    const head = repo.commit({
      ...app('apps/shop-copy'),
      'apps/shop/pvc.yaml': null,
      'apps/shop/kustomization.yaml': 'resources: [cm.yaml]\n',
      'argo/0-decoy.yaml': application('shop', 'team-a', 'apps/shop-copy'),
    });
    const json = await review(base, head);
    expect(json.verdict).toBe('fail');
    expect(json.findings.filter((f) => f.rule === 'pvc-deleted').map((f) => `${f.target}:${f.name}`)).toEqual(['shop/shop:data']);
    expect(listed(json)).toEqual([
      'shop/shop apps/shop: delete PersistentVolumeClaim/data',
      '0-decoy/shop apps/shop-copy: create ConfigMap/settings, create PersistentVolumeClaim/data',
      'argo argo: create Application/shop',
    ]);
  });

  it('an Application that claims the directory of a kustomization target leaves that target reviewed', async () => {
    repo = new TestRepo();
    const base = repo.commit(app('apps/prod'));
    const head = repo.commit({ 'apps/prod/pvc.yaml': null, 'apps/prod/kustomization.yaml': 'resources: [cm.yaml]\n', 'argo/claim.yaml': application('claim', 'argocd', 'apps/prod') });
    const json = await review(base, head);
    expect(json.verdict).toBe('fail');
    expect(listed(json)).toEqual(['apps/prod apps/prod: delete PersistentVolumeClaim/data', 'claim apps/prod: create ConfigMap/settings', 'argo argo: create Application/claim']);
  });

  it('a new target named like one the base config excludes gets no exclusion', async () => {
    repo = new TestRepo();
    const binding = (name: string) =>
      `apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: ${name}}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}\nsubjects: [{kind: Group, name: ops, apiGroup: rbac.authorization.k8s.io}]\n`;
    const base = repo.commit({
      '.safe-deploy.yml': 'policies:\n  exclude: [{target: sandbox}]\n',
      ...app('apps/sandbox'),
      'argo/sandbox.yaml': application('sandbox', 'argocd', 'apps/sandbox'),
    });
    const escalations = (json: ReviewJson) => json.findings.filter((f) => f.rule === 'rbac-escalation').map((f) => `${f.target}:${f.name}`);
    // The real sandbox keeps its exclusion.
    const real = await review(base, repo.commit({ 'apps/sandbox/kustomization.yaml': 'resources: [pvc.yaml, cm.yaml, crb.yaml]\n', 'apps/sandbox/crb.yaml': binding('sandbox-admin') }));
    expect([real.verdict, escalations(real)]).toEqual(['pass', []]);
    repo.git('checkout', '-q', base);
    const decoy = await review(base, repo.commit({ 'apps/evil/kustomization.yaml': 'resources: [crb.yaml]\n', 'apps/evil/crb.yaml': binding('evil-admin'), 'decoy/app.yaml': application('sandbox', 'team-a', 'apps/evil') }));
    expect(decoy.verdict).toBe('fail');
    expect(escalations(decoy)).toEqual(['decoy/sandbox:evil-admin']);
  });
});
