import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Target } from '../../src/core/target.js';
import { renderTarget } from '../../src/render/index.js';
import { DEFAULT_LIMITS } from '../../src/render/sandbox.js';
import { Snapshot } from '../../src/repo/snapshot.js';
import { Caches } from '../../src/util/cache.js';
import { DiskCache } from '../../src/util/disk-cache.js';
import { TestRepo } from '../helpers/git-repo.js';

let repo: TestRepo;
let dir: string;
const snapshots: Snapshot[] = [];
afterEach(async () => {
  await Promise.all(snapshots.splice(0).map((s) => s.dispose()));
  repo.dispose();
  rmSync(dir, { recursive: true, force: true });
});

// Values a careless round trip would change: negative zero, integers past 2^53, empty strings, nulls, block text.
const WIDGET = `apiVersion: example.com/v1
kind: Widget
metadata:
  name: odd-values
spec:
  zero: -0.0
  big: 12345678901234567890
  empty: ""
  none: null
  text: |
    line one
    line two
`;

describe('a render read from disk', () => {
  it.each<[string, Target]>([
    ['kustomize', { name: 'app', path: 'app', renderer: 'kustomize', namespace: 'default' }],
    ['helm', { name: 'chart', path: 'chart', renderer: 'helm', namespace: 'apps' }],
  ])('is the %s render itself, sources and odd values included', async (_, target) => {
    repo = new TestRepo();
    dir = mkdtempSync(join(tmpdir(), 'safe-deploy-render-cache-'));
    const sha = repo.commit({
      'app/kustomization.yaml': 'namespace: shop\nresources: [widget.yaml]\n',
      'app/widget.yaml': WIDGET,
      'chart/Chart.yaml': 'apiVersion: v2\nname: chart\nversion: 0.1.0\n',
      'chart/templates/widget.yaml': WIDGET,
    });
    const open = async () => {
      const disk = await DiskCache.open(dir, 'repo', 64 * 2 ** 20);
      const snapshot = await Snapshot.open(repo.dir, sha, new Caches(), disk);
      snapshots.push(snapshot);
      return { disk, snapshot };
    };
    const first = await open();
    const rendered = await renderTarget(first.snapshot, target, DEFAULT_LIMITS);
    await first.disk.flush();
    expect(first.disk.stats).toMatchObject({ hits: 0, writes: 1 });
    expect(rendered.resources[0]!.object.spec).toMatchObject({ empty: '', none: null });

    // Another review with memory caches of its own: the render comes from disk, equal to the last bit.
    const second = await open();
    const again = await renderTarget(second.snapshot, target, DEFAULT_LIMITS);
    expect(second.disk.stats).toMatchObject({ hits: 1, writes: 0 });
    expect(again).toStrictEqual(rendered);
    expect(Object.is((again.resources[0]!.object.spec as { zero: number }).zero, (rendered.resources[0]!.object.spec as { zero: number }).zero)).toBe(true);
  });
});
