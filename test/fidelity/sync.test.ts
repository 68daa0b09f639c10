// Fidelity of the sync model: what Argo CD and Helm do with hooks, sync options,
// Prune=false, ignoreDifferences and sync waves. Every expectation is written by
// hand from the controllers' documented behaviour (Argo CD user guide: sync
// waves and hooks, sync options, diffing; gitops-engine's sync task order; Helm
// chart hooks), never computed by safe-deploy.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { TestRepo } from '../helpers/git-repo.js';

let repo: TestRepo;
beforeEach(() => {
  repo = new TestRepo();
});
afterEach(() => repo.dispose());

interface ChangeJson {
  action: string;
  kind: string;
  namespace: string | null;
  name: string;
  impacts: Array<{ type: string; message: string }>;
  hook?: { phases: string[]; deletePolicies: string[]; runsAtSync: boolean };
  prune?: false;
  syncOptions?: string[];
  fields: Array<{ path: string }>;
}
async function review(base: string, head: string, format: 'json' | 'markdown' = 'json') {
  const result = await cli(['review', '--repo', repo.dir, '--base', base, '--head', head, '--format', format]);
  expect(result.stderr).toBe('');
  return { status: result.status, stdout: result.stdout, json: format === 'json' ? JSON.parse(result.stdout) : null };
}

function application(name: string, path: string, spec = ''): string {
  return `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: ${name}
  namespace: argocd
spec:
  project: default
  source:
    repoURL: https://git.example.com/platform/gitops.git
    targetRevision: main
    path: ${path}
  destination:
    server: https://kubernetes.default.svc
    namespace: shop
${spec}`;
}

function migrationJob(image: string, annotations: string): string {
  return `apiVersion: batch/v1
kind: Job
metadata:
  name: db-migrate
  namespace: shop
  annotations:
${annotations}
spec:
  backoffLimit: 1
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: migrate
          image: registry.example.com/migrate:${image}
`;
}

const deployment = (name: string, replicas: number, extra = '') => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  namespace: shop
${extra}spec:
  replicas: ${replicas}
  selector:
    matchLabels: {app: ${name}}
  template:
    metadata:
      labels: {app: ${name}}
    spec:
      containers:
        - name: app
          image: registry.example.com/${name}:1.0.0
`;

const ARGO_PRESYNC = '    argocd.argoproj.io/hook: PreSync\n    argocd.argoproj.io/hook-delete-policy: BeforeHookCreation';

describe('Argo CD hooks', () => {
  it('re-creates a PreSync hook Job whose template changes: no immutable error, the verdict passes', async () => {
    const base = repo.commit({
      'argo/shop.yaml': application('shop', 'deploy/shop'),
      'deploy/shop/migrate.yaml': migrationJob('1.0.0', ARGO_PRESYNC),
      'deploy/shop/web.yaml': deployment('web', 2),
    });
    const head = repo.commit({ 'deploy/shop/migrate.yaml': migrationJob('1.1.0', ARGO_PRESYNC) });
    const { status, json } = await review(base, head);
    expect(status).toBe(0);
    expect(json.verdict).toBe('pass');
    expect(json.findings.filter((f: { rule: string }) => f.rule === 'immutable-field-changed')).toEqual([]);
    const [change] = json.targets[0].changes as ChangeJson[];
    // Argo CD deletes the old hook (BeforeHookCreation) and creates the new one at every sync.
    expect(change).toMatchObject({ action: 'replace', kind: 'Job', namespace: 'shop', name: 'db-migrate' });
    expect(change!.hook).toEqual({ phases: ['PreSync'], deletePolicies: ['BeforeHookCreation'], runsAtSync: true });
    expect(change!.impacts.map((i) => i.type)).toEqual(['recreate']);
    expect(change!.impacts[0]!.message).toMatch(/^Re-created at every sync as a PreSync hook/);
    expect(change!.impacts[0]!.message).not.toMatch(/rejected/);
    const { stdout } = await review(base, head, 'markdown');
    expect(stdout).toContain('♻️ replace <code>Job shop/db-migrate</code> · PreSync hook');
    expect(stdout).not.toContain('the sync is rejected');
  });

  it('shows a hook named by generateName, created anew at every sync, as "db-migrate-*"', async () => {
    // Argo CD creates a generateName hook under a new name at each sync (kubectl apply could not: it needs a name).
    const generated = (image: string) => migrationJob(image, ARGO_PRESYNC).replace('  name: db-migrate\n', '  generateName: db-migrate-\n');
    const base = repo.commit({ 'argo/shop.yaml': application('shop', 'deploy/shop'), 'deploy/shop/migrate.yaml': generated('1.0.0') });
    const { json } = await review(base, repo.commit({ 'deploy/shop/migrate.yaml': generated('1.1.0') }));
    expect(json.verdict).toBe('pass');
    const changes = json.targets[0].changes as ChangeJson[];
    expect(changes).toMatchObject([{ action: 'replace', kind: 'Job', namespace: 'shop', name: 'db-migrate-*', fields: [{ path: 'spec.template.spec.containers[name=migrate].image' }] }]);
    expect(changes[0]!.hook).toMatchObject({ phases: ['PreSync'], runsAtSync: true });
  });

  it('keeps the immutable-field error for the same Job when no Argo CD Application deploys it', async () => {
    const base = repo.commit({ 'deploy/shop/migrate.yaml': migrationJob('1.0.0', ARGO_PRESYNC) });
    const head = repo.commit({ 'deploy/shop/migrate.yaml': migrationJob('1.1.0', ARGO_PRESYNC) });
    const { status, json } = await review(base, head);
    // A plain `kubectl apply` (or Flux) treats the annotation as any other: the Job template cannot change.
    expect(status).toBe(1);
    expect(json.findings.map((f: { rule: string }) => f.rule)).toContain('immutable-field-changed');
    expect(json.targets[0].changes[0].hook).toBeUndefined();
  });

  it('maps a Helm pre-upgrade hook to PreSync under Argo CD and treats helm.sh/hook-weight as its wave', async () => {
    const helmHook = '    helm.sh/hook: pre-install,pre-upgrade\n    helm.sh/hook-weight: "-5"\n    helm.sh/hook-delete-policy: hook-succeeded';
    const base = repo.commit({
      'argo/shop.yaml': application('shop', 'deploy/shop'),
      'deploy/shop/migrate.yaml': migrationJob('1.0.0', helmHook),
      'deploy/shop/web.yaml': deployment('web', 2),
    });
    const head = repo.commit({ 'deploy/shop/migrate.yaml': migrationJob('1.1.0', helmHook) });
    const { json } = await review(base, head);
    expect(json.verdict).toBe('pass');
    const [target] = json.targets;
    expect(target.changes[0].hook).toEqual({ phases: ['PreSync'], deletePolicies: ['HookSucceeded'], runsAtSync: true });
    expect(target.syncOrder).toEqual([
      { phase: 'PreSync', wave: -5, objects: ['Job shop/db-migrate'] },
      { phase: 'Sync', wave: 0, objects: ['Deployment shop/web'] },
    ]);
  });
});

describe('Helm hooks outside Argo CD (helm upgrade, Flux helm-controller)', () => {
  const chart = (hookEvents: string, image: string) => ({
    'charts/shop/Chart.yaml': 'apiVersion: v2\nname: shop\nversion: 0.1.0\n',
    'charts/shop/templates/migrate.yaml': migrationJob(image, `    helm.sh/hook: ${hookEvents}`).replace('  namespace: shop\n', '').replace('name: db-migrate', 'name: {{ .Release.Name }}-migrate'),
  });

  it('re-creates a pre-upgrade hook at every upgrade, with no immutable error', async () => {
    const base = repo.commit(chart('pre-upgrade', '1.0.0'));
    const head = repo.commit(chart('pre-upgrade', '1.1.0'));
    const { status, json } = await review(base, head);
    expect(status).toBe(0);
    const [change] = json.targets[0].changes as ChangeJson[];
    expect(change).toMatchObject({ action: 'replace', kind: 'Job', name: 'shop-migrate' });
    expect(change!.hook).toEqual({ phases: ['pre-upgrade'], deletePolicies: ['before-hook-creation'], runsAtSync: true });
    expect(change!.impacts[0]!.message).toMatch(/^Re-created at every helm upgrade as a pre-upgrade hook/);
    expect(json.findings.map((f: { rule: string }) => f.rule)).not.toContain('immutable-field-changed');
  });

  it('says a pre-install hook does not run on an upgrade', async () => {
    const base = repo.commit(chart('pre-install', '1.0.0'));
    const head = repo.commit(chart('pre-install', '1.1.0'));
    const { json } = await review(base, head);
    const [change] = json.targets[0].changes as ChangeJson[];
    expect(change!.action).toBe('update');
    expect(change!.impacts).toEqual([{ type: 'not-rolled-out', message: expect.stringMatching(/only on a first install, never on an upgrade/) }]);
    expect(json.verdict).toBe('pass');
  });
});

describe('Helm resource policy', () => {
  it('keeps an object annotated helm.sh/resource-policy: keep when it leaves the chart, and deletes the others', async () => {
    // helm upgrade deletes what the new manifest no longer has, except resources marked keep.
    const claim = (name: string, keep: boolean) =>
      `apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: ${name}\n${keep ? '  annotations: {helm.sh/resource-policy: keep}\n' : ''}spec:\n  accessModes: [ReadWriteOnce]\n  resources: {requests: {storage: 1Gi}}\n`;
    const base = repo.commit({
      'charts/db/Chart.yaml': 'apiVersion: v2\nname: db\nversion: 0.1.0\n',
      'charts/db/templates/data.yaml': claim('data', true),
      'charts/db/templates/scratch.yaml': claim('scratch', false),
    });
    const head = repo.commit({ 'charts/db/templates/data.yaml': null, 'charts/db/templates/scratch.yaml': null });
    const { json } = await review(base, head);
    const changes = json.targets[0].changes as ChangeJson[];
    expect(changes.map((c) => `${c.action} ${c.name} ${c.prune === false ? 'left in the cluster' : 'deleted'}`)).toEqual([
      'delete data left in the cluster',
      'delete scratch deleted',
    ]);
    expect(json.findings.filter((f: { rule: string }) => f.rule === 'pvc-deleted').map((f: { name: string }) => f.name)).toEqual(['scratch']);
  });
});

describe('Argo CD sync options', () => {
  const namespace = (name: string, annotations = '') => `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${name}\n${annotations}`;

  it('leaves a Namespace deleted from the manifests in the cluster under the Application\'s Prune=false', async () => {
    const files = {
      'argo/shop.yaml': application('shop', 'deploy/shop', '  syncPolicy:\n    automated: {prune: true}\n    syncOptions:\n      - Prune=false\n'),
      'deploy/shop/ns.yaml': namespace('legacy'),
      'deploy/shop/web.yaml': deployment('web', 2),
    };
    const base = repo.commit(files);
    const head = repo.commit({ 'deploy/shop/ns.yaml': null });
    const { status, json, stdout } = await review(base, head);
    expect(stdout).not.toBe('');
    expect(status).toBe(0);
    expect(json.findings.map((f: { rule: string }) => f.rule)).not.toContain('namespace-deleted');
    expect(json.summary).toEqual({ created: 0, updated: 0, deleted: 0, replaced: 0 });
    const [change] = json.targets[0].changes as ChangeJson[];
    expect(change).toMatchObject({ action: 'delete', kind: 'Namespace', name: 'legacy', prune: false });
    expect(change!.impacts).toEqual([{ type: 'not-rolled-out', message: expect.stringMatching(/^Removed from the manifests but left in the cluster \(Prune=false\)/) }]);
    const markdown = (await review(base, head, 'markdown')).stdout;
    expect(markdown).toContain('🗑️ delete <code>Namespace legacy</code> · left in the cluster');
    expect(markdown).toContain('1 left in the cluster');
  });

  it('lets an object\'s own sync-options annotation decide, before the Application\'s option', async () => {
    const base = repo.commit({
      'argo/shop.yaml': application('shop', 'deploy/shop'),
      'deploy/shop/ns.yaml': namespace('kept', '  annotations:\n    argocd.argoproj.io/sync-options: Prune=false\n') + '---\n' + namespace('gone'),
    });
    const head = repo.commit({ 'deploy/shop/ns.yaml': null });
    const { status, json } = await review(base, head);
    expect(status).toBe(1);
    const deletions = json.findings.filter((f: { rule: string }) => f.rule === 'namespace-deleted').map((f: { name: string }) => f.name);
    expect(deletions).toEqual(['gone']);
    expect(json.targets[0].changes.map((c: ChangeJson) => `${c.name} ${c.prune ?? 'pruned'}`)).toEqual(['kept false', 'gone pruned']);
  });

  it('recreates an object whose selector changes under Force=true,Replace=true, and still refuses it under Replace=true alone', async () => {
    const selector = (label: string, options: string) =>
      deployment('web', 2, `  annotations:\n    argocd.argoproj.io/sync-options: ${options}\n`).replace(/app: web/g, `app: ${label}`);
    const forced = repo.commit({ 'argo/shop.yaml': application('shop', 'deploy/shop'), 'deploy/shop/web.yaml': selector('web', 'Force=true,Replace=true') });
    const forcedHead = repo.commit({ 'deploy/shop/web.yaml': selector('web-v2', 'Force=true,Replace=true') });
    const first = (await review(forced, forcedHead)).json;
    expect(first.verdict).toBe('pass');
    const change = first.targets[0].changes[0] as ChangeJson;
    expect(change).toMatchObject({ action: 'replace', syncOptions: ['Replace=true', 'Force=true'] });
    expect(change.impacts[0]).toEqual({ type: 'recreate', message: expect.stringMatching(/^spec\.selector\.matchLabels\.app cannot change in place; with Replace=true, Force=true the sync deletes and re-creates the Deployment/) });
    // Force is read from the live object too (gitops-engine), so the base must not carry it either.
    const replaceOnly = repo.commit({ 'deploy/shop/web.yaml': selector('web-v2', 'Replace=true') });
    const plain = repo.commit({ 'deploy/shop/web.yaml': selector('web-v3', 'Replace=true') });
    const second = (await review(replaceOnly, plain)).json;
    // kubectl replace without --force is an update: the API server refuses the new selector.
    expect(second.verdict).toBe('fail');
    expect(second.findings.map((f: { rule: string }) => f.rule)).toContain('immutable-field-changed');
    expect(second.targets[0].changes[0].syncOptions).toEqual(['Replace=true']);
  });

  it('hides a replica change that ignoreDifferences covers, and names what it cannot evaluate offline', async () => {
    const ignore = `  ignoreDifferences:
    - group: apps
      kind: Deployment
      jsonPointers: [/spec/replicas]
    - group: "*"
      kind: "*"
      managedFieldsManagers: [kube-controller-manager]
    - group: apps
      kind: Deployment
      jqPathExpressions: ['.spec.template.spec.initContainers[] | select(.name == "istio-init")']
`;
    const base = repo.commit({ 'argo/shop.yaml': application('shop', 'deploy/shop', ignore), 'deploy/shop/web.yaml': deployment('web', 2), 'deploy/shop/api.yaml': deployment('api', 2) });
    const head = repo.commit({ 'deploy/shop/web.yaml': deployment('web', 5), 'deploy/shop/api.yaml': deployment('api', 3).replace('api:1.0.0', 'api:1.1.0') });
    const { json } = await review(base, head);
    const [target] = json.targets;
    // web changes only in replicas: Argo CD shows it in sync. api changes its image too, so it syncs and
    // its whole manifest is applied (no RespectIgnoreDifferences=true): its replica change is real.
    expect(target.changes.map((c: ChangeJson) => `${c.action} ${c.name} ${c.fields.map((f) => f.path).join(',')}`)).toEqual([
      'update api spec.replicas,spec.template.spec.containers[name=app].image',
    ]);
    expect(target.notes).toEqual([
      'ignoreDifferences hides the only changes of Deployment shop/web (/spec/replicas): Argo CD reports them in sync and does not sync them for it.',
      'ignoreDifferences managedFieldsManagers kube-controller-manager (*/*) is not evaluable offline (it needs the live object\'s managedFields): differences there are shown.',
      'ignoreDifferences jqPathExpression .spec.template.spec.initContainers[] | select(.name == "istio-init") (apps/Deployment) is not evaluated: differences there are shown.',
    ]);
  });

  it('leaves ignored fields alone in a syncing object under RespectIgnoreDifferences=true', async () => {
    const spec = '  ignoreDifferences:\n    - {group: apps, kind: Deployment, jsonPointers: [/spec/replicas]}\n  syncPolicy:\n    syncOptions: [RespectIgnoreDifferences=true]\n';
    const base = repo.commit({ 'argo/shop.yaml': application('shop', 'deploy/shop', spec), 'deploy/shop/api.yaml': deployment('api', 2) });
    const head = repo.commit({ 'deploy/shop/api.yaml': deployment('api', 3).replace('api:1.0.0', 'api:1.1.0') });
    const [change] = (await review(base, head)).json.targets[0].changes as ChangeJson[];
    expect(change!.fields.map((f) => f.path)).toEqual(['spec.template.spec.containers[name=app].image']);
  });
});

describe('Argo CD sync order', () => {
  it('lists phases, waves, kinds and names in the order one sync applies them', async () => {
    const annotated = (kind: string, apiVersion: string, name: string, annotations: string, body = '') =>
      `apiVersion: ${apiVersion}\nkind: ${kind}\nmetadata:\n  name: ${name}\n  namespace: shop\n  annotations:\n${annotations}\n${body}`;
    const objects = [
      annotated('Job', 'batch/v1', 'smoke-test', '    argocd.argoproj.io/hook: PostSync', 'spec:\n  template:\n    spec: {restartPolicy: Never, containers: [{name: t, image: "curl:8.0"}]}\n'),
      annotated('Job', 'batch/v1', 'db-migrate', '    argocd.argoproj.io/hook: PreSync', 'spec:\n  template:\n    spec: {restartPolicy: Never, containers: [{name: m, image: "m:1"}]}\n'),
      annotated('ConfigMap', 'v1', 'settings', '    argocd.argoproj.io/sync-wave: "-1"', 'data: {a: "1"}\n'),
      deployment('web', 2),
      deployment('api', 2),
      annotated('Service', 'v1', 'web', '    argocd.argoproj.io/sync-wave: "0"', 'spec:\n  ports: [{port: 80}]\n'),
      annotated('Ingress', 'networking.k8s.io/v1', 'web', '    argocd.argoproj.io/sync-wave: "2"', 'spec:\n  rules: [{host: shop.example.com}]\n'),
      annotated('ConfigMap', 'v1', 'not-applied', '    argocd.argoproj.io/hook: Skip', 'data: {a: "1"}\n'),
      'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  annotations:\n    argocd.argoproj.io/sync-wave: "5"\n',
    ].join('---\n');
    const base = repo.commit({ 'argo/shop.yaml': application('shop', 'deploy/shop'), 'deploy/shop/all.yaml': objects });
    const head = repo.commit({ 'deploy/shop/all.yaml': objects.replace('web:1.0.0', 'web:1.1.0') });
    const { json } = await review(base, head);
    // Phase, then wave, then Helm's kind order (Service before Deployment), then name. The Namespace of
    // wave 5 moves ahead of the first object in it, the PreSync hook, and takes its phase and wave.
    expect(json.targets[0].syncOrder).toEqual([
      { phase: 'PreSync', wave: 0, objects: ['Namespace shop', 'Job shop/db-migrate'] },
      { phase: 'Sync', wave: -1, objects: ['ConfigMap shop/settings'] },
      { phase: 'Sync', wave: 0, objects: ['Service shop/web', 'Deployment shop/api', 'Deployment shop/web'] },
      { phase: 'Sync', wave: 2, objects: ['Ingress shop/web'] },
      { phase: 'PostSync', wave: 0, objects: ['Job shop/smoke-test'] },
    ]);
    const markdown = (await review(base, head, 'markdown')).stdout;
    expect(markdown).toContain(
      'Sync order: PreSync: Namespace shop, Job shop/db-migrate → Sync wave -1: ConfigMap shop/settings → Sync: Service shop/web, Deployment shop/api, Deployment shop/web → Sync wave 2: Ingress shop/web → PostSync: Job shop/smoke-test',
    );
  });

  it('gives no sync order to a target no Argo CD Application declares', async () => {
    const base = repo.commit({ 'deploy/shop/web.yaml': deployment('web', 2) });
    const head = repo.commit({ 'deploy/shop/web.yaml': deployment('web', 3) });
    expect((await review(base, head)).json.targets[0].syncOrder).toBeUndefined();
  });
});
