import { describe, expect, it } from 'vitest';
import { clusterFor } from '../../../src/core/live/clusters.js';
import { deployerOf } from '../../../src/core/live/deployer.js';
import type { Target } from '../../../src/core/target.js';

const target = (extra: Partial<Target> = {}): Target => ({ name: 'shop', path: 'clusters/production/shop', renderer: 'kustomize', namespace: 'shop', ...extra });
const clusters = { prod: { server: 'https://prod.example:6443' }, local: { inCluster: true }, staging: {} };

describe('the cluster of a target', () => {
  it("takes the target's own cluster first, then the first matching live.targets entry", () => {
    const mappings = [
      { path: 'clusters/staging/**', cluster: 'staging' },
      { target: 'sh*', path: 'clusters/production/**', cluster: 'prod' },
    ];
    expect(clusterFor(target({ cluster: 'staging' }), clusters, mappings)).toEqual({ cluster: 'staging', via: "the target's cluster" });
    expect(clusterFor(target(), clusters, mappings)).toEqual({ cluster: 'prod', via: 'live.targets[1]' });
    // Both globs of an entry must match.
    expect(clusterFor(target({ name: 'web' }), clusters, mappings)).toBeNull();
  });

  it("follows an Argo CD Application's destination by name or server; the in-cluster URL names the inCluster cluster", () => {
    expect(clusterFor(target({ destination: { name: 'staging' } }), clusters, [])?.cluster).toBe('staging');
    expect(clusterFor(target({ destination: { name: 'elsewhere' } }), clusters, [])).toBeNull();
    expect(clusterFor(target({ destination: { server: 'https://prod.example:6443/' } }), clusters, [])).toEqual({ cluster: 'prod', via: 'Argo CD destination' });
    expect(clusterFor(target({ destination: { server: 'https://kubernetes.default.svc' } }), clusters, [])?.cluster).toBe('local');
    expect(clusterFor(target({ destination: { server: 'https://unknown:6443' } }), clusters, [])).toBeNull();
  });
});

describe('the controller that applies a target', () => {
  const declaredBy = { kind: 'Application', namespace: 'argocd', name: 'shop', file: 'apps/shop.yaml' };
  it('Argo CD prunes only with automated prune', () => {
    expect(deployerOf(target({ declaredBy, sync: { syncOptions: [], ignoreDifferences: [] } }))).toEqual({
      controller: 'argocd', name: 'shop', namespace: 'argocd', prune: false, fieldManager: 'argocd-controller', force: true,
    });
    expect(deployerOf(target({ declaredBy, sync: { syncOptions: [], ignoreDifferences: [], autoPrune: true } })).prune).toBe(true);
  });

  it('Flux prunes with spec.prune; a HelmRelease and a chart as their release; CI kubectl never', () => {
    const ks = { kind: 'Kustomization', namespace: 'flux-system', name: 'apps', file: 'clusters/prod/apps.yaml' };
    expect(deployerOf(target({ declaredBy: ks, flux: {} as Target['flux'] }))).toMatchObject({ controller: 'flux', name: 'apps', namespace: 'flux-system', prune: true, fieldManager: 'kustomize-controller' });
    expect(deployerOf(target({ declaredBy: ks, flux: {} as Target['flux'], prune: false })).prune).toBe(false);
    const hr = { kind: 'HelmRelease', namespace: 'shop', name: 'web', file: 'apps/web.yaml' };
    expect(deployerOf(target({ renderer: 'helm', declaredBy: hr, helm: { releaseName: 'shop-web' } }))).toMatchObject({ controller: 'helm-controller', name: 'shop-web', namespace: 'shop', prune: true });
    expect(deployerOf(target({ renderer: 'helm', name: 'charts/Web_App' }))).toMatchObject({ controller: 'helm', name: 'web-app', fieldManager: 'helm' });
    expect(deployerOf(target())).toEqual({ controller: 'kubectl', name: null, namespace: null, prune: false, fieldManager: 'kubectl-client-side-apply', force: true });
    expect(deployerOf(target(), { fieldManager: 'ci', force: false })).toMatchObject({ fieldManager: 'ci', force: false });
  });
});
