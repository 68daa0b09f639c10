import { describe, expect, it } from 'vitest';
import { diffResources } from '../../src/core/diff/index.js';
import { analyzeImpacts, scaledValue } from '../../src/core/impact.js';
import type { JsonObject } from '../../src/core/resource.js';
import { deploy, res } from '../helpers/resources.js';

const impactsOf = (base: Parameters<typeof diffResources>[0], head: Parameters<typeof diffResources>[1]) =>
  analyzeImpacts(diffResources(base, head), { base, head }).flatMap((c) => c.impacts);

describe('impact', () => {
  it('resolves int-or-percent like the controllers (surge up, unavailable down)', () => {
    expect(scaledValue('25%', 10, '25%', true)).toBe(3);
    expect(scaledValue('25%', 10, '25%', false)).toBe(2);
    expect(scaledValue(undefined, 4, '25%', false)).toBe(1);
    expect(scaledValue(2, 10, '25%', false)).toBe(2);
  });

  it('describes a Deployment rolling update with pod counts', () => {
    const base = deploy('web', [{ name: 'web', image: 'shop:1' }], { replicas: 10 });
    const head = deploy('web', [{ name: 'web', image: 'shop:2' }], { replicas: 10 });
    expect(impactsOf([base], [head])).toEqual([
      { type: 'rollout', pods: 10, message: '10 pods replaced by a rolling update: at most 2 unavailable and 3 extra at a time (maxUnavailable 25%, maxSurge 25%).' },
    ]);
  });

  it('warns that a Recreate strategy stops every pod first', () => {
    const spec = { replicas: 3, strategy: { type: 'Recreate' } };
    const [impact] = impactsOf([deploy('w', [{ name: 'w', image: 'a' }], spec)], [deploy('w', [{ name: 'w', image: 'b' }], spec)]);
    expect(impact!.message).toMatch(/^All 3 pods are stopped before the new ones start/);
  });

  it('counts pods added or removed when only replicas change, and only the replaced ones in a rollout', () => {
    const w = (replicas: number, image = 'a') => deploy('w', [{ name: 'w', image }], { replicas });
    expect(impactsOf([w(1)], [w(3)])).toEqual([{ type: 'rollout', scaled: 2, message: 'Scaled from 1 to 3: 2 pods added.' }]);
    expect(impactsOf([w(5)], [w(2)])).toEqual([{ type: 'rollout', scaled: -3, message: 'Scaled from 5 to 2: 3 pods removed.' }]);
    const both = impactsOf([w(1)], [w(3, 'b')]);
    expect(both.map((i) => i.message)).toEqual([expect.stringMatching(/^1 pod replaced by a rolling update/), 'Scaled from 1 to 3: 2 pods added.']);
    const sts = (replicas: number) => res({ apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'db' }, spec: { replicas, template: { spec: { containers: [{ name: 'db', image: 'pg' }] } } } });
    expect(impactsOf([sts(4)], [sts(2)])[0]!.message).toBe('Scaled from 4 to 2: 2 pods removed (db-3, db-2).');
  });

  it('describes StatefulSet rollouts, partitions and OnDelete', () => {
    const sts = (image: string, updateStrategy?: JsonObject) =>
      res({
        apiVersion: 'apps/v1',
        kind: 'StatefulSet',
        metadata: { name: 'db' },
        spec: { replicas: 3, ...(updateStrategy ? { updateStrategy } : {}), template: { spec: { containers: [{ name: 'db', image }] } } },
      });
    expect(impactsOf([sts('pg:15')], [sts('pg:16')])[0]!.message).toMatch(/^3 pods of 3 replaced one at a time, highest ordinal first/);
    const partitioned = { type: 'RollingUpdate', rollingUpdate: { partition: 2 } };
    expect(impactsOf([sts('pg:15', partitioned)], [sts('pg:16', partitioned)])[0]!.message).toMatch(/^1 pod of 3 .*partition 2/);
    expect(impactsOf([sts('pg:15', { type: 'OnDelete' })], [sts('pg:16', { type: 'OnDelete' })])[0]!.type).toBe('not-rolled-out');
  });

  it('describes a DaemonSet rollout per node', () => {
    const ds = (image: string) => res({ apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'agent' }, spec: { template: { spec: { containers: [{ name: 'a', image }] } } } });
    expect(impactsOf([ds('a:1')], [ds('a:2')])).toEqual([
      { type: 'rollout', message: 'One pod on every matching node is replaced: up to 1 of the nodes at a time lose their pod while it restarts.' },
    ]);
  });

  it('gives downtime when a workload is deleted, nothing when one is created', () => {
    expect(impactsOf([deploy('old', [{ name: 'o', image: 'o' }], { replicas: 4 })], [])).toEqual([
      { type: 'downtime', message: 'The Deployment is deleted: all 4 pods stop and are not replaced.' },
    ]);
    expect(impactsOf([], [deploy('new', [{ name: 'n', image: 'n' }])])).toEqual([]);
  });
});

describe('impacts of the full analysis', () => {
  const pvc = res({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data', namespace: 'shop' }, spec: { resources: { requests: { storage: '1Gi' } } } });

  it('recreate explains what apply and Argo CD do for an immutable change', () => {
    const before = deploy('web', [{ name: 'web', image: 'a:1' }]);
    const after = deploy('web', [{ name: 'web', image: 'a:1' }], { selector: { matchLabels: { app: 'web', v: '2' } } });
    const [change] = analyzeImpacts(diffResources([before], [after]), { base: [before], head: [after] });
    expect(change).toMatchObject({ action: 'replace', previousName: 'web', immutableFields: ['spec.selector.matchLabels.v'] });
    expect(change!.impacts).toEqual([
      {
        type: 'recreate',
        message:
          'spec.selector.matchLabels.v cannot change in place: kubectl apply and an Argo CD sync are rejected by the API server. ' +
          'Only a replace works (kubectl replace --force, Argo CD Replace=true), which deletes and recreates the Deployment: every pod is deleted at once and new ones are created.',
      },
    ]);
  });

  it('data-loss for a deleted claim and a deleted Namespace, listing what it holds', () => {
    const ns = res({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } });
    const impacts = impactsOf([ns, pvc], []);
    expect(impacts.map((i) => i.type)).toEqual(['data-loss', 'data-loss']);
    expect(impacts[0]!.message).toBe('Deleting the Namespace deletes everything in it, claims and their data included: 1 object of this target goes with it (PersistentVolumeClaim shop/data).');
  });

  it('downtime for scaling to zero and a disruption budget gone while its workload stays', () => {
    const web = (replicas: number) => deploy('web', [{ name: 'web', image: 'a:1' }], { replicas });
    expect(impactsOf([web(3)], [web(0)])).toEqual([{ type: 'downtime', message: 'Scaled from 3 to 0: no pod runs.' }]);
    const pdb = res({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'web', namespace: 'shop' }, spec: { selector: { matchLabels: { app: 'web' } } } });
    expect(impactsOf([web(3), pdb], [web(3)])[0]!.message).toBe(
      'No disruption budget protects Deployment shop/web any more: node drains and upgrades may stop all its pods at once.',
    );
  });

  it('exposure for a new LoadBalancer with its ports', () => {
    const svc = (type: string) => res({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { type, ports: [{ port: 443 }] } });
    expect(impactsOf([svc('ClusterIP')], [svc('LoadBalancer')])).toEqual([{ type: 'exposure', message: 'The Service becomes reachable from outside the cluster as a LoadBalancer (ports 443).' }]);
  });
});
