import { describe, expect, it } from 'vitest';
import { diffFields } from '../../../src/core/diff/fields.js';

const pod = (containers: object[]) => ({ spec: { template: { spec: { containers } } } }) as never;

describe('field diff', () => {
  it('names a container field by its merge key', () => {
    const changes = diffFields(
      pod([{ name: 'web', image: 'shop:1.0' }, { name: 'proxy', image: 'envoy:1' }]),
      pod([{ name: 'web', image: 'shop:1.1' }, { name: 'proxy', image: 'envoy:1' }]),
    );
    expect(changes).toEqual([{ path: 'spec.template.spec.containers[name=web].image', before: 'shop:1.0', after: 'shop:1.1' }]);
  });

  it('treats reordered map keys as no change', () => {
    const a = pod([{ name: 'web', image: 'a', env: [{ name: 'A', value: '1' }] }]);
    const b = pod([{ env: [{ value: '1', name: 'A' }], image: 'a', name: 'web' }]);
    expect(diffFields(a, b)).toEqual([]);
  });

  it('reports a new order of keyed items on the list path, with each side\'s keys', () => {
    const a = pod([
      { name: 'web', image: 'a', env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }, { name: 'C', value: '3' }] },
      { name: 'proxy', image: 'b' },
    ]);
    const b = pod([
      { name: 'web', image: 'a', env: [{ name: 'B', value: '2' }, { name: 'A', value: '1' }] },
      { name: 'proxy', image: 'b' },
    ]);
    expect(diffFields(a, b)).toEqual([
      { path: 'spec.template.spec.containers[name=web].env', before: ['A', 'B', 'C'], after: ['B', 'A'], reordered: true },
      { path: 'spec.template.spec.containers[name=web].env[name=C]', before: { name: 'C', value: '3' }, after: null },
    ]);
  });

  it('does not take an item added or removed for a new order', () => {
    const a = pod([{ name: 'web', image: 'a' }, { name: 'proxy', image: 'b' }]);
    const b = pod([{ name: 'init', image: 'i' }, { name: 'web', image: 'a' }]);
    expect(diffFields(a, b).map((c) => c.path)).toEqual(['spec.template.spec.containers[name=proxy]', 'spec.template.spec.containers[name=init]']);
  });

  it('reports added and removed keyed items whole', () => {
    const changes = diffFields(pod([{ name: 'web', image: 'a' }]), pod([{ name: 'web', image: 'a' }, { name: 'sidecar', image: 's' }]));
    expect(changes).toEqual([{ path: 'spec.template.spec.containers[name=sidecar]', before: null, after: { name: 'sidecar', image: 's' } }]);
  });

  it('matches container ports by containerPort and service ports by port, falling back to name', () => {
    const a = { spec: { ports: [{ port: 53, protocol: 'TCP', name: 'dns-tcp' }, { port: 53, protocol: 'UDP', name: 'dns' }] } } as never;
    const b = { spec: { ports: [{ port: 53, protocol: 'TCP', name: 'dns-tcp', targetPort: 5353 }, { port: 53, protocol: 'UDP', name: 'dns' }] } } as never;
    expect(diffFields(a, b)).toEqual([{ path: 'spec.ports[name=dns-tcp].targetPort', before: null, after: 5353 }]);
    const c = pod([{ name: 'web', ports: [{ containerPort: 80 }, { containerPort: 443 }] }]);
    const d = pod([{ name: 'web', ports: [{ containerPort: 80, name: 'http' }, { containerPort: 443 }] }]);
    expect(diffFields(c, d)).toEqual([{ path: 'spec.template.spec.containers[name=web].ports[containerPort=80].name', before: null, after: 'http' }]);
  });

  it('compares lists of scalars as a whole', () => {
    const changes = diffFields(pod([{ name: 'w', args: ['--a', '--b'] }]), pod([{ name: 'w', args: ['--b', '--a'] }]));
    expect(changes).toEqual([{ path: 'spec.template.spec.containers[name=w].args', before: ['--a', '--b'], after: ['--b', '--a'] }]);
  });

  it('quotes keys that are not plain identifiers', () => {
    const changes = diffFields({ metadata: { labels: { 'app.kubernetes.io/version': '1' } } }, { metadata: { labels: { 'app.kubernetes.io/version': '2' } } });
    expect(changes[0]!.path).toBe('metadata.labels["app.kubernetes.io/version"]');
  });

  it('falls back to positions for lists without a unique key', () => {
    const a = { rules: [{ apiGroups: [''], verbs: ['get'] }] } as never;
    const b = { rules: [{ apiGroups: [''], verbs: ['get', 'list'] }] } as never;
    expect(diffFields(a, b)).toEqual([{ path: 'rules[0].verbs', before: ['get'], after: ['get', 'list'] }]);
  });
});
