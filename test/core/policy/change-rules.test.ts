import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../../../src/core/resource.js';
import { evaluate, goodDeployment } from './helpers.js';

const meta = (name: string, namespace: string | undefined = 'shop') => ({ name, ...(namespace ? { namespace } : {}) });
const pvc = (name: string, storage: string) => ({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: meta(name), spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage } } } });
const sts = (spec: JsonObject) => {
  const d = goodDeployment('db') as { spec: JsonObject };
  return { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: meta('db'), spec: { ...d.spec, serviceName: 'db', ...spec } };
};
const service = (type?: string, extra: JsonObject = {}) => ({ apiVersion: 'v1', kind: 'Service', metadata: meta('web'), spec: { ...(type ? { type } : {}), ports: [{ port: 80 }], ...extra } });
const ingress = (hosts: string[]) => ({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: meta('web'), spec: { rules: hosts.map((host) => ({ host })) } });
const pdb = (name: string, app: string) => ({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: meta(name), spec: { minAvailable: 1, selector: { matchLabels: { app } } } });
const cm = (name: string, data: JsonObject) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: meta(name), data });

describe('change-aware rules', () => {
  it('namespace-deleted fires with a data-loss impact listing what the namespace holds', () => {
    const ns = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } };
    const run = evaluate([ns, pvc('data', '1Gi')], [pvc('data', '1Gi')]);
    expect(run.of('namespace-deleted')).toEqual(['Namespace shop is deleted, and with it everything it holds.']);
    expect(evaluate([ns], [ns]).rules).toEqual([]);
  });

  it('crd-deleted fires on deletion and on a served version removed, not on a version added', () => {
    const crd = (versions: Array<[string, boolean]>) => ({
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'widgets.example.com' },
      spec: { group: 'example.com', scope: 'Namespaced', versions: versions.map(([name, served]) => ({ name, served, storage: name === 'v1' })) },
    });
    expect(evaluate([crd([['v1', true]])], []).of('crd-deleted')).toEqual(['CustomResourceDefinition widgets.example.com is deleted: every object of this kind goes with it.']);
    expect(evaluate([crd([['v1', true], ['v1beta1', true]])], [crd([['v1', true], ['v1beta1', false]])]).of('crd-deleted')[0]).toContain('stops serving v1beta1');
    expect(evaluate([crd([['v1', true]])], [crd([['v1', true], ['v2', true]])]).rules).toEqual([]);
  });

  it('pvc-deleted fires for a deleted claim and a StatefulSet that deletes its claims, not for retained ones', () => {
    expect(evaluate([pvc('data', '1Gi')], []).of('pvc-deleted')).toEqual(['PersistentVolumeClaim data is deleted: its data is lost unless the volume is retained.']);
    const templates = { volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { resources: { requests: { storage: '1Gi' } } } }] };
    expect(evaluate([sts({ ...templates, persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Delete' } })], []).rules).toContain('pvc-deleted');
    expect(evaluate([sts(templates)], []).rules).not.toContain('pvc-deleted');
    const scaled = { ...templates, persistentVolumeClaimRetentionPolicy: { whenScaled: 'Delete' } };
    expect(evaluate([sts({ ...scaled, replicas: 3 })], [sts({ ...scaled, replicas: 2 })]).of('pvc-deleted')).toEqual(['StatefulSet db deletes its volume claims (scaled from 3 to 2).']);
  });

  it('immutable-field-changed fires on a selector change of an existing Deployment, not of a new one', () => {
    const before = goodDeployment('web');
    const after = goodDeployment('web', { spec: { selector: { matchLabels: { app: 'web', tier: 'front' } } }, labels: { app: 'web', tier: 'front' } });
    const run = evaluate([before], [after]);
    expect(run.of('immutable-field-changed')).toEqual(['Deployment web: spec.selector.matchLabels.tier cannot change in place; the sync is rejected.']);
    expect(evaluate([], [after]).rules).toEqual([]);
  });

  it('immutable-field-changed covers StatefulSets, Services, bindings and immutable ConfigMaps, with their near-misses', () => {
    expect(evaluate([sts({ serviceName: 'db' })], [sts({ serviceName: 'db-headless' })]).rules).toContain('immutable-field-changed');
    expect(evaluate([sts({ replicas: 3 })], [sts({ replicas: 5 })]).rules).toEqual([]);
    expect(evaluate([service(undefined, { clusterIP: '10.0.0.10' })], [service(undefined, { clusterIP: '10.0.0.11' })]).rules).toContain('immutable-field-changed');
    expect(evaluate([service('ExternalName', { externalName: 'a.example.com' })], [service(undefined, { clusterIP: '10.0.0.11' })]).rules).not.toContain('immutable-field-changed');
    const binding = (role: string) => ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: meta('read'), roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: role }, subjects: [{ kind: 'User', name: 'ann' }] });
    expect(evaluate([binding('reader')], [binding('writer')]).rules).toEqual(['immutable-field-changed']);
    const frozen = (value: string, immutable = true) => ({ ...cm('settings', { a: value }), immutable });
    expect(evaluate([frozen('1')], [frozen('2')]).rules).toEqual(['immutable-field-changed']);
    expect(evaluate([frozen('1', false)], [frozen('2', false)]).rules).toEqual([]);
  });

  it('pvc-shrunk fires when a claim or claim template goes down, not when it grows', () => {
    expect(evaluate([pvc('data', '10Gi')], [pvc('data', '5000Mi')]).of('pvc-shrunk')).toEqual(['Storage of claim data goes down from 10Gi to 5000Mi: claims cannot shrink.']);
    expect(evaluate([pvc('data', '10Gi')], [pvc('data', '20Gi')]).rules).toEqual([]);
    const tpl = (size: string) => sts({ volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { resources: { requests: { storage: size } } } }] });
    expect(evaluate([tpl('2Gi')], [tpl('1Gi')]).rules).toContain('pvc-shrunk');
  });

  it('rbac-escalation fires on new cluster-admin subjects and new wildcard or escalating grants only', () => {
    const admin = (subjects: string[]) => ({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'admins' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
      subjects: subjects.map((name) => ({ kind: 'User', name })),
    });
    expect(evaluate([admin(['ann'])], [admin(['ann', 'bob'])]).of('rbac-escalation')).toEqual(['ClusterRoleBinding admins gives cluster-admin to User bob.']);
    expect(evaluate([admin(['ann', 'bob'])], [admin(['ann'])]).rules).toEqual([]);
    const role = (rules: JsonObject[]) => ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'ops' }, rules });
    const read = { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] };
    expect(evaluate([role([read])], [role([read, { apiGroups: ['*'], resources: ['*'], verbs: ['*'] }])]).rules).toEqual(['rbac-escalation']);
    expect(evaluate([], [role([{ apiGroups: [''], resources: ['serviceaccounts'], verbs: ['impersonate'] }])]).of('rbac-escalation')[0]).toContain('impersonate on resources serviceaccounts');
    expect(evaluate([role([read])], [role([read, { apiGroups: ['apps'], resources: ['deployments'], verbs: ['get'] }])]).rules).toEqual([]);
  });

  it('scaled-to-zero and replicas-reduced fire on big cuts, not on small ones', () => {
    const d = (replicas: number) => goodDeployment('web', { spec: { replicas } });
    expect(evaluate([d(4)], [d(0)]).findings.map((f) => [f.rule, f.severity])).toEqual([['scaled-to-zero', 'warning']]);
    expect(evaluate([d(6)], [d(3)]).of('replicas-reduced')).toEqual(['Deployment web goes from 6 to 3 replicas.']);
    expect(evaluate([d(6)], [d(4)]).rules).toEqual([]);
    expect(evaluate([d(1)], [d(1)]).rules).toEqual([]);
  });

  it('pdb-removed fires while the workload stays, not when it goes too or a new budget covers it', () => {
    const web = goodDeployment('web');
    expect(evaluate([web, pdb('web', 'web')], [web]).of('pdb-removed')).toEqual(['PodDisruptionBudget web is deleted while Deployment shop/web stays unprotected.']);
    expect(evaluate([web, pdb('web', 'web')], []).rules).not.toContain('pdb-removed');
    expect(evaluate([web, pdb('web', 'web')], [web, pdb('web-budget', 'web')]).rules).toEqual([]);
  });

  it('service-exposure-changed fires on LoadBalancer/NodePort and new Ingress hosts', () => {
    expect(evaluate([service()], [service('LoadBalancer')]).of('service-exposure-changed')).toEqual(['Service web changes type ClusterIP → LoadBalancer.']);
    expect(evaluate([service('NodePort')], [service('ClusterIP')]).rules).toEqual(['service-exposure-changed']);
    expect(evaluate([service()], [service('ClusterIP', { ports: [{ port: 8080 }] })]).rules).toEqual([]);
    expect(evaluate([ingress(['a.example.com'])], [ingress(['a.example.com', 'b.example.com'])]).of('service-exposure-changed')).toEqual([
      'Ingress web serves new hosts: b.example.com.',
    ]);
    expect(evaluate([ingress(['a.example.com', 'b.example.com'])], [ingress(['a.example.com'])]).rules).toEqual([]);
  });

  it('image-tag-downgraded fires when a semver tag goes down, not up or across repositories', () => {
    const d = (image: string) => goodDeployment('web', { container: { image } });
    expect(evaluate([d('shop:1.10.0')], [d('shop:1.9.3')]).of('image-tag-downgraded')).toEqual(['Container app of Deployment web goes from 1.10.0 down to 1.9.3.']);
    expect(evaluate([d('shop:1.9.3')], [d('shop:1.10.0')]).rules).toEqual([]);
    expect(evaluate([d('shop:2.0.0')], [d('other:1.0.0')]).rules).toEqual([]);
    expect(evaluate([d('shop:2.0.0')], [d('shop:2.0.0-rc.1')]).rules).toEqual(['image-tag-downgraded']);
  });

  it('config-not-rolled-out fires when consumers will not restart, not when they do or use a hashed name', () => {
    const consumer = (configName: string, image = 'registry.example.com/web:1.2.3') =>
      goodDeployment('web', { container: { image, envFrom: [{ configMapRef: { name: configName } }] } });
    const run = evaluate([cm('web-config', { A: '1' }), consumer('web-config')], [cm('web-config', { A: '2' }), consumer('web-config')]);
    expect(run.of('config-not-rolled-out')[0]).toMatch(/^Changed in place, but nothing restarts the pods that use it: Deployment shop\/web \(through envFrom\)/);
    const rolled = evaluate([cm('web-config', { A: '1' }), consumer('web-config')], [cm('web-config', { A: '2' }), consumer('web-config', 'registry.example.com/web:1.2.4')]);
    expect(rolled.rules).toEqual([]);
    const hashed = evaluate([cm('web-config-7hk2m9tb5d', { A: '1' }), consumer('web-config-7hk2m9tb5d')], [cm('web-config-b8f5c2gm4k', { A: '2' }), consumer('web-config-b8f5c2gm4k')]);
    expect(hashed.rules).toEqual([]);
  });
});
