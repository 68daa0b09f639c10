// A merge request that uses the controllers' own semantics to hide a dangerous
// change: an object turned into a hook (which the sync deletes and re-creates), or
// a declaration that says, only at head, not to prune or to ignore a field. What
// the base does not allow is judged as the base would deploy it.
import { afterEach, describe, expect, it } from 'vitest';
import { fluxKustomization, gitRepository as fluxSource } from '../helpers/gitops.js';
import { cli } from '../helpers/cli.js';
import { TestRepo } from '../helpers/git-repo.js';

let repo: TestRepo;
afterEach(() => repo.dispose());

interface ReviewJson {
  verdict: string;
  targets: Array<{ name: string; notes?: string[]; changes: Array<{ action: string; kind: string; name: string; prune?: false; diff: string }> }>;
  findings: Array<{ rule: string; severity: string; target: string; name?: string; message: string }>;
}

async function review(base: string, head: string): Promise<{ json: ReviewJson; stdout: string }> {
  const result = await cli(['review', '--repo', repo.dir, '--base', base, '--head', head, '--format', 'json']);
  if (result.status === 2) throw new Error(result.stderr);
  return { json: JSON.parse(result.stdout) as ReviewJson, stdout: result.stdout };
}

const rules = (json: ReviewJson) => json.findings.filter((f) => f.severity === 'error').map((f) => `${f.rule} ${f.name}`).sort();

const namespace = (name: string, annotations = '') => `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${name}\n${annotations ? `  annotations: {${annotations}}\n` : ''}`;
const pvc = (annotations = '') => `apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: data
  namespace: shop
${annotations ? `  annotations: {${annotations}}\n` : ''}spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 10Gi}}
`;
const clusterRole = (verbs: string, resources: string) => `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: reader}
rules:
  - apiGroups: [""]
    resources: [${resources}]
    verbs: [${verbs}]
`;

const application = (syncPolicy = '') => `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: shop, namespace: argocd}
spec:
  project: default
  source: {repoURL: https://git.example.com/gitops.git, path: apps/shop}
  destination: {server: https://kubernetes.default.svc, namespace: shop}
${syncPolicy}`;

describe('an Argo CD target', () => {
  it('a Namespace or a claim turned into a hook is deleted by the sync before it is re-created: the deletion is judged', async () => {
    repo = new TestRepo();
    const base = repo.commit({ 'argo/shop.yaml': application(), 'apps/shop/ns.yaml': namespace('shop'), 'apps/shop/pvc.yaml': pvc() });
    // gitops-engine deletes the live object of a hook with BeforeHookCreation (the default) before it creates it.
    const head = repo.commit({
      'apps/shop/ns.yaml': namespace('shop', 'argocd.argoproj.io/hook: PreSync'),
      'apps/shop/pvc.yaml': pvc('argocd.argoproj.io/hook: Sync'),
    });
    const { json } = await review(base, head);
    expect(json.targets.flatMap((t) => t.changes.map((c) => `${c.action} ${c.kind}/${c.name}`)).sort()).toEqual(['replace Namespace/shop', 'replace PersistentVolumeClaim/data']);
    expect(rules(json)).toEqual(['namespace-deleted shop', 'pvc-deleted data']);
    expect(json.verdict).toBe('fail');
  });

  it('Prune=false written only at head does not turn a Namespace deletion into "left in the cluster"', async () => {
    repo = new TestRepo();
    const base = repo.commit({ 'argo/shop.yaml': application(), 'apps/shop/ns.yaml': namespace('shop'), 'apps/shop/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n' });
    const head = repo.commit({ 'argo/shop.yaml': application('  syncPolicy:\n    syncOptions: [Prune=false]\n'), 'apps/shop/ns.yaml': null });
    const { json } = await review(base, head);
    expect(rules(json)).toEqual(['namespace-deleted shop']);
    expect(json.targets[0]!.notes).toEqual(['Prune=false is new in this change: deletions are judged as the base Application prunes them.']);
    expect(json.verdict).toBe('fail');
  });

  it('Prune=false that the base already says leaves the Namespace in the cluster', async () => {
    repo = new TestRepo();
    const options = '  syncPolicy:\n    syncOptions: [Prune=false]\n';
    const base = repo.commit({ 'argo/shop.yaml': application(options), 'apps/shop/ns.yaml': namespace('shop'), 'apps/shop/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n' });
    const { json } = await review(base, repo.commit({ 'apps/shop/ns.yaml': null }));
    expect(rules(json)).toEqual([]);
    expect(json.targets[0]!.changes.map((c) => [c.kind, c.prune])).toEqual([['Namespace', false]]);
  });

  it('ignoreDifferences written only at head does not hide a wildcard grant', async () => {
    repo = new TestRepo();
    const base = repo.commit({ 'argo/shop.yaml': application(), 'apps/shop/role.yaml': clusterRole('get', 'pods') });
    const ignore = '  ignoreDifferences:\n    - {group: rbac.authorization.k8s.io, kind: ClusterRole, jsonPointers: [/rules]}\n';
    const { json } = await review(base, repo.commit({ 'argo/shop.yaml': application(ignore), 'apps/shop/role.yaml': clusterRole('"*"', '"*"') }));
    expect(rules(json)).toEqual(['rbac-escalation reader']);
    expect(json.targets[0]!.notes).toEqual(['ignoreDifferences entries new in this change are not applied: their differences are shown.']);
  });
});

const gitRepository = fluxSource();

describe('a Flux target', () => {
  it('prune: false written only at head does not hide a Namespace deletion', async () => {
    repo = new TestRepo();
    const base = repo.commit({
      'clusters/prod/flux-system/gotk-sync.yaml': gitRepository,
      'clusters/prod/apps.yaml': fluxKustomization(true),
      'apps/shop.yaml': namespace('shop'),
      'apps/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: shop}\n',
    });
    const { json } = await review(base, repo.commit({ 'clusters/prod/apps.yaml': fluxKustomization(false), 'apps/shop.yaml': null }));
    expect(rules(json)).toEqual(['namespace-deleted shop']);
    expect(json.targets.find((t) => t.changes.length)!.notes).toEqual(['spec.prune: false is new in this change: deletions are judged as the base Kustomization prunes them.']);
    expect(json.verdict).toBe('fail');
  });
});
