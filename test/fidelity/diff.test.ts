// Fidelity of the object diff: what `kubectl apply` does to the live objects.
// Expectations are written by hand: apply writes a keyed list in the manifest's
// order (strategic merge patch $setElementOrder), so a reordered env changes the
// pod template and the Deployment rolls out; an object whose namespace changes
// is a new object, and the old one is pruned; replicas add or remove pods.
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
  previousName?: string;
  previousNamespace?: string;
  fields: Array<{ path: string; before: unknown; after: unknown; reordered?: true }>;
  impacts: Array<{ type: string; message: string }>;
}
async function review(base: string, head: string, format: 'json' | 'markdown' = 'json') {
  const result = await cli(['review', '--repo', repo.dir, '--base', base, '--head', head, '--format', format]);
  expect(result.stderr).toBe('');
  return { status: result.status, stdout: result.stdout, json: format === 'json' ? JSON.parse(result.stdout) : null };
}

const web = (env: string, replicas = 2) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: ${replicas}
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: registry.example.com/web:1.0.0
          env:
${env}`;

const service = `apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
`;

const kustomization = (namespace: string) => `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: ${namespace}
resources: [deployment.yaml, service.yaml]
`;

const ENV_AB = '            - {name: DB_HOST, value: db}\n            - {name: DB_URL, value: "postgres://$(DB_HOST)/shop"}\n';
const ENV_BA = '            - {name: DB_URL, value: "postgres://$(DB_HOST)/shop"}\n            - {name: DB_HOST, value: db}\n';

describe('keyed list order', () => {
  it('reports a reordered env as an update with an order change and a rollout', async () => {
    const base = repo.commit({ 'app/kustomization.yaml': kustomization('shop'), 'app/deployment.yaml': web(ENV_AB), 'app/service.yaml': service });
    const head = repo.commit({ 'app/deployment.yaml': web(ENV_BA) });
    const { json } = await review(base, head);
    const changes = json.targets[0].changes as ChangeJson[];
    expect(changes.map((c) => `${c.action} ${c.kind} ${c.namespace}/${c.name}`)).toEqual(['update Deployment shop/web']);
    expect(changes[0]!.fields).toEqual([
      { path: 'spec.template.spec.containers[name=web].env', before: ['DB_HOST', 'DB_URL'], after: ['DB_URL', 'DB_HOST'], reordered: true },
    ]);
    // The pod template changes, so the Deployment controller starts a new ReplicaSet: 2 pods replaced.
    expect(changes[0]!.impacts).toEqual([{ type: 'rollout', message: expect.stringMatching(/^2 pods replaced by a rolling update/) }]);
    expect(json.summary).toEqual({ created: 0, updated: 1, deleted: 0, replaced: 0 });
  });

  it('keeps a new order of map keys no change', async () => {
    const base = repo.commit({ 'app/kustomization.yaml': kustomization('shop'), 'app/deployment.yaml': web(ENV_AB), 'app/service.yaml': service });
    const head = repo.commit({ 'app/deployment.yaml': web(ENV_AB.replace('{name: DB_HOST, value: db}', '{value: db, name: DB_HOST}')) });
    const { stdout } = await review(base, head, 'markdown');
    expect(stdout).toContain('No Kubernetes object changes.');
  });
});

describe('an app moved to another namespace', () => {
  it('shows each object moved from a to b with what the move costs, not a deletion and an unrelated creation', async () => {
    const base = repo.commit({ 'app/kustomization.yaml': kustomization('a'), 'app/deployment.yaml': web(ENV_AB, 3), 'app/service.yaml': service });
    const head = repo.commit({ 'app/kustomization.yaml': kustomization('b') });
    const { json, status } = await review(base, head);
    expect(status).toBe(0);
    const changes = json.targets[0].changes as ChangeJson[];
    expect(changes.map((c) => `${c.action} ${c.kind} ${c.previousNamespace} → ${c.namespace}/${c.name}`)).toEqual([
      'replace Service a → b/web',
      'replace Deployment a → b/web',
    ]);
    expect(json.summary).toEqual({ created: 0, updated: 0, deleted: 0, replaced: 2 });
    const [svc, deploy] = changes;
    expect(svc!.fields).toEqual([{ path: 'metadata.namespace', before: 'a', after: 'b' }]);
    expect(svc!.impacts).toEqual([
      { type: 'recreate', message: 'Moved from namespace a to b: a new Service is created in b, then the one in a is deleted (pruned).' },
      { type: 'downtime', message: 'Clients that use web.a.svc (or web from inside a) lose it: the name becomes web.b.svc.' },
    ]);
    expect(deploy!.impacts).toEqual([
      { type: 'recreate', message: 'Moved from namespace a to b: a new Deployment is created in b, then the one in a is deleted (pruned).' },
      { type: 'rollout', message: '3 pods start in b and the old ones in a stop; Services, ConfigMaps and Secrets they use must exist in b.' },
    ]);
    const markdown = (await review(base, head, 'markdown')).stdout;
    expect(markdown).toContain('♻️ replace <code>Service b/web</code> (moved from namespace <code>a</code>)');
    expect(markdown).not.toContain('are not replaced');
  });

  it('loses the data of a claim that moves, and says so as pvc-deleted', async () => {
    const claim = (ns: string) => `apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: data\n  namespace: ${ns}\nspec:\n  accessModes: [ReadWriteOnce]\n  resources: {requests: {storage: 1Gi}}\n`;
    const base = repo.commit({ 'db/claim.yaml': claim('a') });
    const head = repo.commit({ 'db/claim.yaml': claim('b') });
    const { json, status } = await review(base, head);
    expect(status).toBe(1);
    const [change] = json.targets[0].changes as ChangeJson[];
    expect(change).toMatchObject({ action: 'replace', previousNamespace: 'a', namespace: 'b' });
    expect(change!.impacts.map((i) => i.type)).toEqual(['recreate', 'data-loss']);
    expect(json.findings.map((f: { rule: string; namespace: string }) => `${f.rule} ${f.namespace}`)).toEqual(['pvc-deleted a']);
  });

  it('does not pair when two objects of that name leave and one arrives', async () => {
    const cm = (ns: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: ${ns}\ndata: {a: "1"}\n`;
    const base = repo.commit({ 'cfg/a.yaml': cm('a'), 'cfg/c.yaml': cm('c') });
    const head = repo.commit({ 'cfg/a.yaml': cm('b'), 'cfg/c.yaml': null });
    const changes = (await review(base, head)).json.targets[0].changes as ChangeJson[];
    expect(changes.map((c) => `${c.action} ${c.namespace}`)).toEqual(['create b', 'delete a', 'delete c']);
  });
});

describe('scaling', () => {
  it('says 1 → 3 adds 2 pods and replaces none, and 3 → 1 removes 2', async () => {
    const base = repo.commit({ 'app/kustomization.yaml': kustomization('shop'), 'app/deployment.yaml': web(ENV_AB, 1), 'app/service.yaml': service });
    const up = repo.commit({ 'app/deployment.yaml': web(ENV_AB, 3) });
    const scaledUp = (await review(base, up)).json.targets[0].changes as ChangeJson[];
    expect(scaledUp[0]!.fields).toEqual([{ path: 'spec.replicas', before: 1, after: 3 }]);
    expect(scaledUp[0]!.impacts).toEqual([{ type: 'rollout', message: 'Scaled from 1 to 3: 2 pods added.' }]);
    expect((await review(base, up, 'markdown')).stdout).toContain('### What happens when this merges\n\n2 pods added\n');
    const down = repo.commit({ 'app/deployment.yaml': web(ENV_AB, 1) });
    expect(((await review(up, down)).json.targets[0].changes as ChangeJson[])[0]!.impacts).toEqual([{ type: 'rollout', message: 'Scaled from 3 to 1: 2 pods removed.' }]);
  });
});
