import { describe, expect, it } from 'vitest';
import { hashStem, pairResources } from '../../../src/core/diff/pair.js';
import { res } from '../../helpers/resources.js';

const cm = (name: string, namespace = 'shop') => res({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace } });

describe('pairing', () => {
  it('recognises generator hash suffixes and not ordinary names', () => {
    expect(hashStem('app-config-7hk2m9tb5d')).toBe('app-config');
    expect(hashStem('app-config-b8f5c2e1')).toBe('app-config');
    expect(hashStem('web-canary')).toBeNull();
    expect(hashStem('web-stable')).toBeNull();
    expect(hashStem('redis-7')).toBeNull();
    expect(hashStem('plain')).toBeNull();
  });

  it('pairs by identity across API versions', () => {
    const base = [res({ apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', metadata: { name: 'web' } })];
    const head = [res({ apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'web' } })];
    const pairs = pairResources(base, head);
    expect(pairs).toHaveLength(1);
    expect(pairs[0]!.base).toBe(base[0]);
  });

  it('makes one replace pair of a hash-renamed generated object', () => {
    const pairs = pairResources([cm('app-config-7hk2m9tb5d'), cm('other')], [cm('app-config-b8f5c2gm4k'), cm('other')]);
    expect(pairs.map((p) => [p.base?.name ?? null, p.head?.name ?? null])).toEqual([
      ['app-config-7hk2m9tb5d', 'app-config-b8f5c2gm4k'],
      ['other', 'other'],
    ]);
  });

  it('does not pair across namespaces or when the match is ambiguous', () => {
    expect(pairResources([cm('cfg-7hk2m9tb5d', 'a')], [cm('cfg-b8f5c2gm4k', 'b')])).toHaveLength(2);
    const ambiguous = pairResources([cm('cfg-7hk2m9tb5d'), cm('cfg-2hk2m9tb5d')], [cm('cfg-b8f5c2gm4k')]);
    expect(ambiguous.filter((p) => p.base && p.head)).toHaveLength(0);
    expect(ambiguous).toHaveLength(3);
  });
});
