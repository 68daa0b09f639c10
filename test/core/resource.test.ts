import { describe, expect, it } from 'vitest';
import { apiGroup, isClusterScoped, resourceKey, toResource } from '../../src/core/resource.js';

describe('resource identity', () => {
  it('takes the group from the apiVersion, "" for core', () => {
    expect(apiGroup('apps/v1')).toBe('apps');
    expect(apiGroup('v1')).toBe('');
  });

  it('ignores the API version: the same object under two versions has one key', () => {
    const a = toResource({ apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', metadata: { name: 'web' } }, 'shop')!;
    const b = toResource({ apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'web', namespace: 'shop' } }, 'x')!;
    expect(resourceKey(a)).toBe(resourceKey(b));
  });

  it('gives namespaced kinds the target namespace and cluster-scoped kinds none', () => {
    expect(toResource({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } }, 'shop')!.namespace).toBe('shop');
    expect(toResource({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop', namespace: 'x' } }, 'shop')!.namespace).toBeNull();
    expect(isClusterScoped('rbac.authorization.k8s.io/v1', 'ClusterRole')).toBe(true);
    expect(isClusterScoped('rbac.authorization.k8s.io/v1', 'Role')).toBe(false);
  });

  it('rejects values that are not Kubernetes objects', () => {
    expect(toResource({ name: 'x', image: 'y' }, 'd')).toBeNull();
    expect(toResource({ apiVersion: 'v2', name: 'chart' }, 'd')).toBeNull();
    expect(toResource({ apiVersion: 'v1', kind: 'ConfigMap', metadata: {} }, 'd')).toBeNull();
    expect(toResource(['a'], 'd')).toBeNull();
  });
});
