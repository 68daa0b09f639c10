// The review caches: one budget across regions, least recently used out first,
// counters, reset; and a review under a tiny budget gives the same result.
import { afterEach, describe, expect, it } from 'vitest';
import { ReviewScheduler } from '../../src/bot/scheduler.js';
import { Metrics } from '../../src/server/metrics.js';
import { renderJson } from '../../src/report/json.js';
import { runReview } from '../../src/review.js';
import { Caches } from '../../src/util/cache.js';
import { TestRepo } from '../helpers/git-repo.js';
import { configMap, deployment } from '../helpers/manifests.js';

describe('one budget for every region', () => {
  it('evicts the least recently used entry of any region, counts hits and misses, and reset empties all', () => {
    const c = new Caches(100);
    const texts = c.region<string>('texts', (t) => t.length);
    const trees = c.region<number[]>('trees', (t) => t.length * 10);
    texts.set('a', 'x'.repeat(20));
    trees.set('t', [1, 2, 3]); // 30
    texts.set('b', 'y'.repeat(20));
    expect(texts.get('a')).toBe('x'.repeat(20)); // a is now the most recent
    texts.set('c', 'z'.repeat(25)); // 95 in all
    trees.set('u', [1, 2]); // 115: the least recently used (t) goes
    expect(trees.get('t')).toBeUndefined();
    expect(texts.get('b')).toBe('y'.repeat(20));
    expect(c.stats()).toEqual([
      { region: 'texts', hits: 2, misses: 0, entries: 3, bytes: 65 },
      { region: 'trees', hits: 0, misses: 1, entries: 1, bytes: 20 },
    ]);
    c.reset();
    expect(texts.get('b')).toBeUndefined();
    expect(c.stats()).toEqual([
      { region: 'texts', hits: 0, misses: 1, entries: 0, bytes: 0 },
      { region: 'trees', hits: 0, misses: 0, entries: 0, bytes: 0 },
    ]);
  });

  it('does not keep a value larger than a quarter of the budget, nor a failed promise; a settled one weighs what it holds', async () => {
    const c = new Caches(100);
    const texts = c.region<string>('texts', (t) => t.length);
    texts.set('big', 'x'.repeat(26));
    expect(texts.has('big')).toBe(false);
    let calls = 0;
    const failing = () => texts.remember('f', async () => {
      calls += 1;
      throw new Error('timeout');
    });
    await expect(failing()).rejects.toThrow('timeout');
    await expect(failing()).rejects.toThrow('timeout');
    expect(calls).toBe(2);
    expect(await texts.remember('ok', async () => 'abc')).toBe('abc');
    expect(await texts.remember('ok', async () => 'other')).toBe('abc');
    expect(c.stats()[0]).toMatchObject({ entries: 1, bytes: 3 });
    c.setBudget(2);
    expect(texts.has('ok')).toBe(false);
  });
});

describe('the review under a small budget', () => {
  let repo: TestRepo | undefined;
  afterEach(() => repo?.dispose());

  it('gives the same JSON with a 4 KB budget (nearly nothing kept) as with a fresh default one, and the counters move', async () => {
    repo = new TestRepo();
    const kustomization = 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [web.yaml, settings.yaml]\n';
    const from = repo.commit({ 'apps/web/kustomization.yaml': kustomization, 'apps/web/web.yaml': deployment('web'), 'apps/web/settings.yaml': configMap('settings', { a: '1' }) });
    const to = repo.commit({ 'apps/web/web.yaml': deployment('web', { replicas: 3 }), 'apps/web/settings.yaml': configMap('settings', { a: '2' }) });
    const request = { repo: repo.dir, base: from, head: to };
    const roomy = new Caches();
    const full = renderJson(await runReview(request, roomy));
    const regions = new Map(roomy.stats().map((s) => [s.region, s]));
    expect(regions.get('renders')?.misses).toBeGreaterThan(0);
    expect(regions.get('blob texts')?.entries).toBeGreaterThan(0);
    // The same review again is served from the caches it was given.
    await runReview(request, roomy);
    expect(roomy.stats().find((s) => s.region === 'renders')?.hits).toBeGreaterThan(0);
    const tiny = new Caches(4096);
    const small = renderJson(await runReview(request, tiny));
    expect(small).toBe(full);
    expect(JSON.parse(small).summary).toEqual({ created: 0, updated: 2, deleted: 0, replaced: 0 });
    const kept = new Map(tiny.stats().map((s) => [s.region, s]));
    expect(kept.get('renders')?.entries).toBe(0);
    expect([...kept.values()].reduce((sum, s) => sum + s.bytes, 0)).toBeLessThanOrEqual(4096);
  });

  it('exports the counters and sizes as Prometheus metrics', async () => {
    const c = new Caches(1000);
    c.region<string>('texts', (t) => t.length).set('a', 'abc');
    c.region<string>('texts2', (t) => t.length).get('missing');
    const metrics = new Metrics();
    metrics.observeCaches(() => c.stats());
    const text = await metrics.registry.metrics();
    expect(text).toContain('safe_deploy_cache_bytes{cache="texts"} 3');
    expect(text).toContain('safe_deploy_cache_entries{cache="texts"} 1');
    expect(text).toContain('safe_deploy_cache_misses_total{cache="texts2"} 1');
    expect(text).toContain('safe_deploy_cache_hits_total{cache="texts"} 0');
  });
});

describe('the scheduler forgets a merge request once its reviews end', () => {
  it('keeps no state for merge requests whose reviews and writes are over, and an old ticket stays superseded', async () => {
    const scheduler = new ReviewScheduler(2);
    const older = scheduler.begin('o/r#1');
    const newer = scheduler.begin('o/r#1');
    const other = scheduler.begin('o/r#2');
    expect(await older.writeIfCurrent(async () => undefined)).toBe(false);
    expect(await newer.writeIfCurrent(async () => undefined)).toBe(true);
    expect(scheduler.tracked).toBe(2);
    newer.end();
    older.end();
    other.end();
    await Promise.resolve();
    expect(scheduler.tracked).toBe(0);
    // A new push after the state is gone starts afresh; the old tickets never become current again.
    const next = scheduler.begin('o/r#1');
    expect([older.isCurrent(), newer.isCurrent(), next.isCurrent()]).toEqual([false, false, true]);
  });
});
