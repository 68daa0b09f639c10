import { describe, expect, it } from 'vitest';
import { hookOf } from '../../../src/core/sync/hooks.js';
import { withoutPointer } from '../../../src/core/diff/pointers.js';
import { applyOptions, recreatesOnConflict } from '../../../src/core/sync/options.js';

const withAnnotations = (annotations: Record<string, string>) => ({ metadata: { name: 'x', annotations } });
const argo = { argocd: { syncOptions: [], ignoreDifferences: [] }, helmHooks: true };

describe('sync model', () => {
  it('removes the value at an RFC 6901 pointer, unescaping ~1 and ~0, and leaves the object alone when absent', () => {
    const object = { metadata: { labels: { 'node-role.kubernetes.io/worker': '', 'a~b': '1', keep: 'y' } }, spec: { list: [{ a: 1 }, { a: 2 }] } };
    expect(withoutPointer(object, '/metadata/labels/node-role.kubernetes.io~1worker')).toEqual({ ...object, metadata: { labels: { 'a~b': '1', keep: 'y' } } });
    expect(withoutPointer(object, '/metadata/labels/a~0b').metadata).toEqual({ labels: { 'node-role.kubernetes.io/worker': '', keep: 'y' } });
    expect(withoutPointer(object, '/spec/list/0/a').spec).toEqual({ list: [{}, { a: 2 }] });
    expect(withoutPointer(object, '/spec/missing/x')).toBe(object);
  });

  it('reads hooks as gitops-engine does: Argo CD types first, Helm types mapped, crd-install and Skip no hooks', () => {
    expect(hookOf(withAnnotations({ 'argocd.argoproj.io/hook': 'PreSync,PostSync', 'helm.sh/hook': 'post-install' }), argo)).toEqual({
      phases: ['PreSync', 'PostSync'],
      deletePolicies: ['BeforeHookCreation'],
      runsAtSync: true,
    });
    expect(hookOf(withAnnotations({ 'helm.sh/hook': 'pre-delete' }), argo)).toEqual({ phases: [], deletePolicies: ['BeforeHookCreation'], runsAtSync: false });
    expect(hookOf(withAnnotations({ 'helm.sh/hook': 'crd-install' }), argo)).toBeNull();
    expect(hookOf(withAnnotations({ 'argocd.argoproj.io/hook': 'Skip' }), argo)).toBeNull();
    // Without Argo CD, only Helm hooks count, and only on Helm-rendered targets.
    expect(hookOf(withAnnotations({ 'argocd.argoproj.io/hook': 'PreSync' }), { helmHooks: true })).toBeNull();
    expect(hookOf(withAnnotations({ 'helm.sh/hook': 'pre-upgrade' }), { helmHooks: false })).toBeNull();
  });

  it('combines the object\'s, the live object\'s and the Application\'s options as gitops-engine does, and recreates only with Force', () => {
    const settings = { syncOptions: ['ServerSideApply=true', 'Replace=true'], ignoreDifferences: [] };
    // Replace=false on the object does not undo the Application's Replace=true; ServerSideApply=false does undo its SSA.
    expect(applyOptions(withAnnotations({ 'argocd.argoproj.io/sync-options': 'Replace=false,ServerSideApply=false' }), settings)).toEqual(['Replace=true']);
    expect(applyOptions(withAnnotations({}), { syncOptions: [], ignoreDifferences: [] }, withAnnotations({ 'argocd.argoproj.io/sync-options': 'Force=true' }))).toEqual(['Force=true']);
    expect(recreatesOnConflict(['Replace=true'])).toBe(false);
    expect(recreatesOnConflict(['Force=true', 'ServerSideApply=true'])).toBe(false);
    expect(recreatesOnConflict(['Force=true'])).toBe(true);
  });
});
