import { afterEach, describe, expect, it } from 'vitest';
import { prerender, renderTarget } from '../../src/render/index.js';
import { renderKustomize, renderKustomizeBatch } from '../../src/render/kustomize.js';
import { DEFAULT_LIMITS } from '../../src/render/sandbox.js';
import { Snapshot } from '../../src/repo/snapshot.js';
import type { Target } from '../../src/core/target.js';
import { TestRepo } from '../helpers/git-repo.js';
import { configMap, deployment } from '../helpers/manifests.js';

let repo: TestRepo;
let snapshot: Snapshot | undefined;
afterEach(async () => {
  await snapshot?.dispose();
  snapshot = undefined;
  repo.dispose();
});

const files = {
  'base/kustomization.yaml': 'resources: [deploy.yaml, cm.yaml]\nconfigMapGenerator: [{name: gen, literals: [A=1]}]\n',
  'base/deploy.yaml': deployment('web', { extra: '          envFrom: [{configMapRef: {name: gen}}]\n' }),
  'base/cm.yaml': configMap('plain', { a: '1' }),
  'envs/dev/kustomization.yaml': 'namespace: dev\nresources: [../../base]\n',
  'envs/prod/kustomization.yaml': 'namespace: prod\nresources: [../../base]\nreplicas: [{name: web, count: 5}]\n',
  'envs/same-a/kustomization.yaml': 'resources: [../../base]\n',
  'envs/same-b/kustomization.yaml': 'resources: [../../base]\n',
};

const target = (path: string, extra: Partial<Target> = {}): Target => ({ name: path, path, renderer: 'kustomize', namespace: 'default', ...extra });

describe('batched kustomize builds', () => {
  it('give each target exactly what its own build gives, sources included', async () => {
    repo = new TestRepo();
    snapshot = await Snapshot.open(repo.dir, repo.commit(files));
    const targets = [target('envs/dev'), target('envs/prod'), target('envs/same-a', { namespace: 'argo-ns', kustomize: { namePrefix: 'x-', images: ['registry.example.com/web=registry.example.com/web:9'] } })];
    const batch = await renderKustomizeBatch(snapshot, targets, DEFAULT_LIMITS);
    expect(batch).not.toBeNull();
    for (const t of targets) {
      const alone = await renderKustomize(snapshot, t, DEFAULT_LIMITS);
      expect(batch!.get(t)).toEqual(alone);
    }
    expect(batch!.get(targets[2]!)!.map((r) => `${r.namespace}/${r.name}`)).toEqual(expect.arrayContaining(['argo-ns/x-web']));
  });

  it('fall back to one build per target when two targets define the same object', async () => {
    repo = new TestRepo();
    snapshot = await Snapshot.open(repo.dir, repo.commit(files));
    const targets = [target('envs/same-a'), target('envs/same-b')];
    expect(await renderKustomizeBatch(snapshot, targets, DEFAULT_LIMITS)).toBeNull();
    await prerender([{ snapshot, targets }], DEFAULT_LIMITS);
    const [a, b] = (await Promise.all(targets.map((t) => renderTarget(snapshot!, t, DEFAULT_LIMITS)))).map((r) => r.resources);
    expect(a!.map((r) => r.name).sort()).toEqual(b!.map((r) => r.name).sort());
    expect(a!.length).toBe(3);
  });
});
