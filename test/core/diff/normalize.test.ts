import { describe, expect, it } from 'vitest';
import { normalize } from '../../../src/core/diff/normalize.js';
import { res } from '../../helpers/resources.js';

describe('normalize', () => {
  it('drops status and server-owned metadata, keeps what the author wrote', () => {
    const r = res({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        name: 'web',
        uid: 'u-1',
        resourceVersion: '42',
        generation: 3,
        creationTimestamp: '2026-01-01T00:00:00Z',
        managedFields: [{ manager: 'kubectl' }],
        labels: { app: 'web' },
      },
      spec: { ports: [{ port: 80 }] },
      status: { loadBalancer: {} },
    });
    expect(normalize(r)).toEqual({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } },
      spec: { ports: [{ port: 80 }] },
    });
  });

  it('writes the effective namespace so "no namespace" equals the target namespace', () => {
    const implicit = res({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } }, 'shop');
    const explicit = res({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'shop' } });
    expect(normalize(implicit)).toEqual(normalize(explicit));
  });

  it('does not default absent fields', () => {
    const r = res({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec: {} });
    expect(normalize(r).spec).toEqual({});
  });

  it('does not modify its input', () => {
    const object = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', uid: 'x' }, status: {} };
    normalize(res(object));
    expect(object.metadata.uid).toBe('x');
    expect(object.status).toEqual({});
  });
});
