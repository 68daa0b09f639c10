import { describe, expect, it } from 'vitest';
import { driftOf } from '../../../src/core/live/drift.js';
import { liveDiffOf } from '../../../src/core/live/live-diff.js';
import { ownersOf } from '../../../src/core/live/managed-fields.js';
import type { Deployer } from '../../../src/core/live/model.js';
import { ownershipOf, prunedObjects, recordedObjects } from '../../../src/core/live/ownership.js';
import { digestSecrets } from '../../../src/core/live/secrets.js';
import type { JsonObject } from '../../../src/core/resource.js';

const flux: Deployer = { controller: 'flux', name: 'apps', namespace: 'flux-system', prune: true, fieldManager: 'kustomize-controller', force: true };
const argo: Deployer = { controller: 'argocd', name: 'shop', namespace: 'argocd', prune: true, fieldManager: 'argocd-controller', force: true };

const pod = (containers: JsonObject[]) => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'shop' }, spec: { replicas: 2, template: { spec: { containers } } } });

describe('secret digests', () => {
  it('digest a value alike whether it came as stringData or base64 data, and hide last-applied', () => {
    const render = digestSecrets({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, stringData: { a: 'x-value' } });
    const live = digestSecrets({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"stringData":{"a":"x-value"}}' } }, data: { a: Buffer.from('x-value').toString('base64') } });
    expect(render.data).toEqual(live.data);
    expect(render.stringData).toBeUndefined();
    expect(JSON.stringify(live)).not.toContain('x-value');
    // Other kinds keep their data; a ConfigMap is not secret.
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: 'plain' } };
    expect(digestSecrets(cm)).toBe(cm);
  });
});

describe('managed fields', () => {
  // fieldsV1 as the API server writes it for `kubectl scale` and an apply with a keyed container.
  const live = {
    ...pod([{ name: 'web', image: 'web:2' }]),
    metadata: {
      name: 'web',
      managedFields: [
        { manager: 'kustomize-controller', operation: 'Apply', fieldsV1: { 'f:spec': { 'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"web"}': { '.': {}, 'f:image': {}, 'f:name': {} } } } } } } },
        { manager: 'kubectl', operation: 'Update', subresource: 'scale', fieldsV1: { 'f:spec': { 'f:replicas': {} } } },
        { manager: 'kubectl-edit', operation: 'Update', fieldsV1: { 'f:metadata': { 'f:annotations': {} } } },
      ],
    },
  } as JsonObject;

  it('finds the owner of a field, of a keyed list item, and of what lies in an atomic field', () => {
    expect([...ownersOf(live, [{ field: 'spec' }, { field: 'replicas' }], [])]).toEqual([{ manager: 'kubectl', operation: 'Update', subresource: 'scale' }]);
    const steps = [{ field: 'spec' }, { field: 'template' }, { field: 'spec' }, { field: 'containers' }, { key: 'name', value: 'web' }, { field: 'image' }];
    const items = [undefined, undefined, undefined, undefined, { name: 'web', image: 'web:2' }, 'web:2'];
    expect([...ownersOf(live, steps, items)].map((o) => o.manager)).toEqual(['kustomize-controller']);
    expect([...ownersOf(live, steps.slice(0, 5).concat({ field: 'args' }), items)].map((o) => o.manager)).toEqual([]);
    expect([...ownersOf(live, [{ field: 'metadata' }, { field: 'annotations' }, { field: 'x' }], [])].map((o) => o.manager)).toEqual(['kubectl-edit']);
  });
});

describe('drift', () => {
  const scalers = [{ kind: 'HorizontalPodAutoscaler', name: 'web', target: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: 'web' } }];

  it('ignores what only the cluster has and quantities in another spelling; reports what the base sets differently', () => {
    const base = pod([{ name: 'web', image: 'web:1', resources: { limits: { cpu: '0.5', memory: '1Gi' } } }]);
    const live = { ...pod([{ name: 'web', image: 'web:1', imagePullPolicy: 'IfNotPresent', resources: { limits: { cpu: '500m', memory: '1024Mi' } } }]), spec: { ...pod([]).spec, replicas: 2, revisionHistoryLimit: 10, template: { spec: { containers: [{ name: 'web', image: 'web:1', imagePullPolicy: 'IfNotPresent', resources: { limits: { cpu: '500m', memory: '1024Mi' } } }] } } } };
    expect(driftOf({ base, live, head: base, deployer: flux, scalers: [] })).toEqual([]);
    const changed = { ...live, spec: { ...live.spec, template: { spec: { containers: [{ name: 'web', image: 'web:hotfix' }] } } } };
    // The image was hotfixed and the limits removed by hand; the head moves the image on and no longer sets limits.
    expect(driftOf({ base, live: changed, head: pod([{ name: 'web', image: 'web:3' }]), deployer: flux, scalers: [] }).map((f) => f.message)).toEqual([
      'changed in the cluster by hand: spec.template.spec.containers[name=web].image web:1 → web:hotfix — merging will set it to web:3',
      'changed in the cluster by hand: spec.template.spec.containers[name=web].resources {"limits":{"cpu":"0.5","memory":"1Gi"}} → (unset) — the head no longer sets it',
    ]);
  });

  it('names a controller that owns the field, and the HPA that scales replicas', () => {
    const base = pod([{ name: 'web', image: 'web:1' }]);
    const live = { ...pod([{ name: 'web', image: 'web:1' }]), spec: { replicas: 6, template: { spec: { containers: [{ name: 'web', image: 'web:1' }] } } }, metadata: { name: 'web', namespace: 'shop', managedFields: [{ manager: 'kube-controller-manager', operation: 'Update', subresource: 'scale', fieldsV1: { 'f:spec': { 'f:replicas': {} } } }] } } as JsonObject;
    const [field] = driftOf({ base, live, head: base, deployer: { ...flux, force: false }, scalers });
    expect(field).toEqual({
      path: 'spec.replicas',
      base: 2,
      live: 6,
      head: 2,
      manager: 'kube-controller-manager',
      owner: 'HorizontalPodAutoscaler web',
      message: 'owned by another manager: HorizontalPodAutoscaler web (spec.replicas 6; the base sets 2) — the apply conflicts with HorizontalPodAutoscaler web (not forced)',
    });
    const [byOperator] = driftOf({ base, live, head: base, deployer: flux, scalers: [] });
    expect(byOperator!.message).toBe('owned by another manager: kube-controller-manager (spec.replicas 6; the base sets 2) — each sync sets it back and kube-controller-manager changes it again');
  });
});

describe('the live diff', () => {
  const head = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'shop' }, data: { mode: 'b' } };
  const base = { ...head, data: { mode: 'a' } };
  const server = (object: JsonObject) => ({ ...object, metadata: { ...(object.metadata as JsonObject), uid: 'u', resourceVersion: '9', creationTimestamp: '2026-01-01T00:00:00Z', managedFields: [] } });

  it('is not shown when it says what the branch says, and is when the cluster held something else', () => {
    expect(liveDiffOf({ base, head, live: server(base), dryRun: server(head) })).toEqual({ fields: [{ path: 'data.mode', before: 'a', after: 'b' }], differs: false });
    const drifted = liveDiffOf({ base, head, live: server({ ...base, data: { mode: 'z', extra: '1' } }), dryRun: server({ ...head, data: { mode: 'b', extra: '1' } }) });
    expect(drifted).toMatchObject({ fields: [{ path: 'data.mode', before: 'z', after: 'b' }], differs: true });
    expect(drifted.diff).toContain('-  mode: z\n+  mode: b');
  });

  it('takes a quantity in the API server\'s canonical spelling for the same quantity', () => {
    const deploy = (cpu: string, image = 'web:1') => ({ ...pod([{ name: 'web', image, resources: { limits: { cpu } } }]), metadata: { name: 'web', namespace: 'shop' } });
    expect(liveDiffOf({ base: deploy('0.5'), head: deploy('0.75'), live: server(deploy('500m')), dryRun: server(deploy('750m')) })).toEqual({
      fields: [{ path: 'spec.template.spec.containers[name=web].resources.limits.cpu', before: '0.5', after: '0.75' }],
      differs: false,
    });
    expect(liveDiffOf({ base: null, head: deploy('1'), live: null, dryRun: server(deploy('1000m')) })).toEqual({ fields: [], differs: false });
  });

  it('leaves out a container only the server adds (a webhook sidecar), and keeps keyed paths', () => {
    const head = pod([{ name: 'web', image: 'web:2' }]);
    const live = server(pod([{ name: 'web', image: 'web:1' }]));
    const dryRun = server(pod([{ name: 'web', image: 'web:2' }, { name: 'istio-proxy', image: 'proxyv2:1.22', args: ['proxy'] }]));
    expect(liveDiffOf({ base: pod([{ name: 'web', image: 'web:1' }]), head, live, dryRun })).toEqual({
      fields: [{ path: 'spec.template.spec.containers[name=web].image', before: 'web:1', after: 'web:2' }],
      differs: false,
      serverAdded: 3,
    });
  });

  it("tells a Secret rotated in the cluster apart, though both sides read '*** (changed)'", () => {
    const secret = (password: string) => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'shop' }, stringData: { password } });
    const stored = (password: string) => server(digestSecrets({ ...secret(password) }));
    const rotated = liveDiffOf({ base: secret('one'), head: secret('two'), live: stored('rotated-by-hand'), dryRun: stored('two') });
    expect(rotated).toMatchObject({ fields: [{ path: 'data.password', before: '***', after: '*** (changed)' }], differs: true });
    expect(liveDiffOf({ base: secret('one'), head: secret('two'), live: stored('one'), dryRun: stored('two') }).differs).toBe(false);
  });

  it('for a new object, shows only what the server stores differently from the head; defaults are counted', () => {
    const dryRun = server({ ...head, data: { mode: 'B' }, immutable: false });
    expect(liveDiffOf({ base: null, head, live: null, dryRun })).toMatchObject({ fields: [{ path: 'data.mode', before: 'b', after: 'B' }], differs: true, serverAdded: 1 });
    expect(liveDiffOf({ base: null, head, live: null, dryRun: server({ ...head, immutable: false }) })).toEqual({ fields: [], differs: false, serverAdded: 1 });
  });
});

describe('ownership and prune', () => {
  const cm = (name: string, metadata: JsonObject = {}) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'shop', ...metadata } }) as JsonObject;

  it("follows Argo CD's tracking id only when it names the object itself, else the instance label; never controlled objects", () => {
    const owns = ownershipOf(argo)!.owns;
    expect(owns(cm('a', { annotations: { 'argocd.argoproj.io/tracking-id': 'shop:/ConfigMap:shop/a' } }))).toBe(true);
    expect(owns(cm('a', { annotations: { 'argocd.argoproj.io/tracking-id': 'argocd_shop:/ConfigMap:shop/a' } }))).toBe(true);
    // Copied from another object, or another app's: not this app's.
    expect(owns(cm('b', { annotations: { 'argocd.argoproj.io/tracking-id': 'shop:/ConfigMap:shop/a' } }))).toBe(false);
    expect(owns(cm('a', { annotations: { 'argocd.argoproj.io/tracking-id': 'other:/ConfigMap:shop/a' }, labels: { 'app.kubernetes.io/instance': 'shop' } }))).toBe(false);
    expect(owns(cm('a', { labels: { 'app.kubernetes.io/instance': 'shop' } }))).toBe(true);
    expect(owns(cm('a', { labels: { 'app.kubernetes.io/instance': 'shop' }, ownerReferences: [{ kind: 'Deployment', name: 'web', controller: true }] }))).toBe(false);
    // Any owner reference, controller or not, and Argo CD leaves the object out of the app.
    expect(owns(cm('a', { labels: { 'app.kubernetes.io/instance': 'shop' }, ownerReferences: [{ kind: 'ConfigMap', name: 'x' }] }))).toBe(false);
    // With annotation tracking (Argo CD 3's default) the label alone means nothing; with label tracking the annotation means nothing.
    const annotationOnly = ownershipOf({ ...argo, tracking: 'annotation' })!.owns;
    expect(annotationOnly(cm('a', { labels: { 'app.kubernetes.io/instance': 'shop' } }))).toBe(false);
    expect(annotationOnly(cm('a', { annotations: { 'argocd.argoproj.io/tracking-id': 'shop:/ConfigMap:shop/a' } }))).toBe(true);
    expect(ownershipOf({ ...argo, tracking: 'label' })!.owns(cm('a', { annotations: { 'argocd.argoproj.io/tracking-id': 'shop:/ConfigMap:shop/a' } }))).toBe(false);
    expect(ownershipOf({ ...argo, tracking: 'annotation+label' })!.owns(cm('a', { labels: { 'app.kubernetes.io/instance': 'shop' }, annotations: { 'argocd.argoproj.io/tracking-id': 'shop:/ConfigMap:shop/a' } }))).toBe(true);
    expect(ownershipOf({ ...flux, controller: 'kubectl', name: null })).toBeNull();
  });

  it('prunes what leaves the head, keeps Prune=false, and says when pruning is off', () => {
    const owned = [cm('gone', { labels: { 'app.kubernetes.io/instance': 'shop' } }), cm('kept', { labels: { 'app.kubernetes.io/instance': 'shop' }, annotations: { 'argocd.argoproj.io/sync-options': 'Prune=false' } }), cm('stays', { labels: { 'app.kubernetes.io/instance': 'shop' } })];
    const ref = (name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'shop', name });
    expect(prunedObjects({ deployer: argo, owned, base: [ref('gone')], head: [ref('stays')] })).toEqual([
      { ...ref('gone'), action: 'delete', owner: 'Argo CD Application argocd/shop', inBranchDiff: true },
      { ...ref('kept'), action: 'left-behind', owner: 'Argo CD Application argocd/shop', reason: 'annotated Prune=false', inBranchDiff: false },
    ]);
    const fluxOwned = [cm('ssa', { annotations: { 'kustomize.toolkit.fluxcd.io/ssa': 'Ignore' } }), cm('paused', { labels: { 'kustomize.toolkit.fluxcd.io/reconcile': 'disabled' } })];
    expect(prunedObjects({ deployer: flux, owned: fluxOwned, base: [], head: [] }).map((p) => `${p.name} ${p.action} ${p.reason}`)).toEqual([
      'ssa left-behind marked kustomize.toolkit.fluxcd.io/ssa: Ignore',
      'paused left-behind marked kustomize.toolkit.fluxcd.io/reconcile: disabled',
    ]);
    expect(prunedObjects({ deployer: { ...argo, prune: false }, owned: owned.slice(0, 1), base: [], head: [] })).toEqual([
      { ...ref('gone'), action: 'left-behind', owner: 'Argo CD Application argocd/shop', reason: 'automated prune is off: a sync with pruning deletes it', inBranchDiff: false },
    ]);
  });
});

describe("a controller's record of what it applied", () => {
  it("reads Flux's inventory ids and Argo CD's resource list", () => {
    const kustomization = { status: { inventory: { entries: [{ id: 'shop_web_apps_Deployment', v: 'v1' }, { id: '_shop-admin_rbac.authorization.k8s.io_ClusterRole', v: 'v1' }, { id: 'shop_settings__ConfigMap', v: 'v1' }, { id: 'broken', v: 'v1' }] } } };
    expect(recordedObjects(kustomization)).toEqual([
      { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: 'web' },
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', namespace: null, name: 'shop-admin' },
      { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'shop', name: 'settings' },
    ]);
    const application: JsonObject = { status: { resources: [{ group: 'apps', version: 'v1', kind: 'Deployment', namespace: 'shop', name: 'web', status: 'Synced' }, { version: 'v1', kind: 'Namespace', name: 'shop' }] } };
    expect(recordedObjects(application)).toEqual([
      { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: 'web' },
      { apiVersion: 'v1', kind: 'Namespace', namespace: null, name: 'shop' },
    ]);
    expect(recordedObjects({ status: {} })).toEqual([]);
  });
});
