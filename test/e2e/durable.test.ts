// Durable mode end to end, as deployed: one web and two worker processes
// (`safe-deploy serve --role web|worker`, the built dist/) on a real redis-server,
// the GitHub App talking to a fake GitHub on loopback, webhooks delivered as
// GitHub delivers them. Run `npm run build` first.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeGitHub, type FakeGitHub } from '../../bench/lib/fake-github.mjs';
import { deliver, startServe, type ServeProcess } from '../helpers/durable.js';
import { TestRepo } from '../helpers/git-repo.js';
import { INSTALLATION, pullRequestPayload } from '../helpers/github.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';

const configMap = (name: string, revision: number) => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ${name}, namespace: shop}\ndata: {revision: "${revision}"}\n`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let redis: TestRedis;
let api: FakeGitHub;
let repo: TestRepo;
let base: string;
let web: ServeProcess;

const runsOf = (head: string) => api.checkRuns.filter((run) => run.headSha === head);
const commentsOn = (number: number) => api.comments.get(String(number)) ?? [];
/** The check GitHub shows for a head: its newest run. */
const lastRun = (head: string) => runsOf(head).at(-1);
const completed = (head: string) => lastRun(head)?.status === 'completed';
const quiet = (heads: string[]) => heads.every((head) => runsOf(head).every((run) => run.status === 'completed'));

/** The pull requests not yet reviewed, with their check runs: what a timeout names. */
const pending = (heads: Map<number, string>) =>
  [...heads]
    .filter(([, head]) => !completed(head) || !quiet([head]))
    .map(([number, head]) => `#${number}: ${runsOf(head).map((run) => `${run.status}/${run.conclusion}`).join(',') || 'no check run'}, ${commentsOn(number).length} comments`)
    .join('; ') || 'none pending';

/** A pull request opened on base with one changed ConfigMap; its head is refs/pull/N/head only. */
function openPullRequest(number: number): string {
  return repo.pushHead(base, `refs/pull/${number}/head`, { [`deploy/pr-${number}.yaml`]: configMap(`pr-${number}`, number) });
}

const opened = (number: number, head: string) => pullRequestPayload('opened', repo.dir, number, base, head);

async function startWorkers(count: number): Promise<ServeProcess[]> {
  return Promise.all(Array.from({ length: count }, () => startServe('worker', { githubHost: api.host, redisUrl: redis.url })));
}

const stopAll = (processes: ServeProcess[]) => Promise.all(processes.map((p) => p.kill()));

/** One comment, the review of `head`; the newest check of `head` completed with a verdict; no check of it left running. */
function expectReviewedOnce(number: number, head: string, content: string): void {
  const comments = commentsOn(number);
  expect(comments, `comments on #${number}`).toHaveLength(1);
  expect(comments[0]!.body).toContain(`<!-- safe-deploy:head ${head} -->`);
  expect(comments[0]!.body).toContain(content);
  expect(lastRun(head), `check of #${number}`).toMatchObject({ status: 'completed', conclusion: 'success' });
  expect(
    runsOf(head).filter((run) => run.status !== 'completed'),
    `checks of #${number} left in progress`,
  ).toEqual([]);
}

describe('durable mode: web and worker processes on one Redis', () => {
  beforeAll(async () => {
    [redis, api] = await Promise.all([startRedis(), startFakeGitHub({ appId: 1 })]);
    repo = new TestRepo();
    base = repo.commit({ 'deploy/base.yaml': configMap('base', 0) }, 'base');
    web = await startServe('web', { githubHost: api.host, redisUrl: redis.url });
  });

  afterAll(async () => {
    await web?.kill();
    await api?.close();
    await redis?.stop();
    repo?.dispose();
  });

  it('answers /healthz with Redis reachable on the web and on a worker', async () => {
    const [worker] = await startWorkers(1);
    try {
      expect(await web.health()).toMatchObject({ redis: 'ok' });
      expect(await worker!.health()).toMatchObject({ redis: 'ok' });
      // A worker takes no webhooks.
      const response = await fetch(`${worker!.url}/api/github/webhooks`, { method: 'POST', body: '{}' });
      expect(response.status).toBe(404);
    } finally {
      await stopAll([worker!]);
    }
  });

  it('20 pushes to one pull request within a second: one comment, the last head decides, every older check cancelled', async () => {
    const number = 1;
    // Each push a real commit on top of the previous one, as `git push` to the pull request's branch.
    repo.git('checkout', '-q', '-B', 'feature', base);
    const heads = Array.from({ length: 20 }, (_, i) => repo.commit({ 'deploy/app.yaml': configMap('app', i + 1) }, `push ${i + 1}`));
    repo.git('update-ref', `refs/pull/${number}/head`, heads.at(-1)!);
    repo.git('checkout', '-q', 'main');
    const workers = await startWorkers(2);
    try {
      const started = Date.now();
      const deliveries = await Promise.all(
        heads.map(async (head, i) => {
          await sleep(i * 45);
          return deliver(web.url, 'pull_request', pullRequestPayload(i === 0 ? 'opened' : 'synchronize', repo.dir, number, base, head));
        }),
      );
      expect(Date.now() - started).toBeLessThan(1_500);
      expect(deliveries.map((d) => d.status).filter((status) => status >= 300)).toEqual([]);

      const last = heads.at(-1)!;
      await api.until(() => completed(last) && quiet(heads), 45_000);
      expectReviewedOnce(number, last, 'revision: "20"');
      for (const head of heads.slice(0, -1)) {
        // Superseded: cancelled wherever it ran, or never begun.
        expect(runsOf(head).map((run) => run.conclusion), `check of older head ${heads.indexOf(head) + 1}: ${heads.map((h) => runsOf(h).map((r) => r.conclusion).join("+") || "-").join(" ")}`).toEqual(runsOf(head).map(() => 'cancelled'));
      }
    } finally {
      await stopAll(workers);
    }
  }, 60_000);

  it('kill -9 of the worker holding a review: the other worker completes it', async () => {
    const number = 100;
    const head = openPullRequest(number);
    // The review stops in the middle (its check running, its code fetched) on whichever worker takes it first.
    const held = api.hold('GET', new RegExp(`/issues/${number}/comments(\\?|$)`));
    const [holder] = await startWorkers(1);
    let rescuer: ServeProcess | undefined;
    try {
      expect((await deliver(web.url, 'pull_request', opened(number, head))).status).toBeLessThan(300);
      await Promise.race([held.arrived, sleep(20_000).then(() => Promise.reject(new Error(`no worker began the review: ${holder!.output()}`)))]);
      expect(lastRun(head)).toMatchObject({ status: 'in_progress' });
      [rescuer] = await startWorkers(1);
      await holder!.kill('SIGKILL');
      held.release();
      // BullMQ finds the job stalled once the dead worker's lock expires; the review starts again and takes over its check run.
      await api.until(() => completed(head) && quiet([head]), 75_000);
      expectReviewedOnce(number, head, `pr-${number}`);
    } finally {
      held.release();
      await stopAll([holder!, ...(rescuer ? [rescuer] : [])]);
    }
  }, 90_000);

  it("two workers keep one installation's pace together: new comments at least GitHub's 800 ms apart; each installation has its own pace", async () => {
    const numbers = Array.from({ length: 6 }, (_, i) => 150 + i);
    const others = [160, 161];
    const heads = new Map([...numbers, ...others].map((number) => [number, openPullRequest(number)]));
    const workers = await startWorkers(2);
    try {
      const payload = (number: number) => ({ ...opened(number, heads.get(number)!), ...(others.includes(number) ? { installation: { id: 2000 + number } } : {}) });
      const deliveries = await Promise.all([...heads.keys()].map((number) => deliver(web.url, 'pull_request', payload(number))));
      expect(deliveries.map((d) => d.status).filter((status) => status >= 300)).toEqual([]);
      await api.until(() => [...heads.values()].every(completed), 30_000);
      const created = numbers.map((number) => Date.parse(commentsOn(number)[0]!.created_at)).sort((a, b) => a - b);
      const gaps = created.slice(1).map((at, i) => at - created[i]!);
      // Both workers took reviews, so a pace kept per process would let two comments through at once.
      // GitHub sees them as the limiter lets them go, give or take the network: a few tens of ms on a loaded machine.
      expect(Math.min(...gaps), `gaps between new comments (ms): ${gaps.join(', ')}`).toBeGreaterThanOrEqual(600);
      // The pace is kept per installation (Bottleneck's keys in Redis name the limiter and its key), not one for all.
      const paced = (await redis.client().keys('b_safe-deploy-notifications-*_settings')).map((key) => /^b_safe-deploy-notifications-1-(.+)_settings$/.exec(key)?.[1]).sort();
      expect(paced).toEqual(expect.arrayContaining(['2160', '2161', String(INSTALLATION)]));
      expect(paced).not.toContain('no-id');
    } finally {
      await stopAll(workers);
    }
  }, 60_000);

  it('50 pull requests at once, some deliveries sent twice: each reviewed exactly once', async () => {
    const numbers = Array.from({ length: 50 }, (_, i) => 200 + i);
    const heads = new Map(numbers.map((number) => [number, openPullRequest(number)]));
    // Across ten installations: GitHub's write pace is per installation, and 50 reviews in one take a minute of writes alone.
    const payload = (number: number) => ({ ...opened(number, heads.get(number)!), installation: { id: 1000 + (number % 10) } });
    const workers = await startWorkers(2);
    try {
      const deliveries = await Promise.all(numbers.map((number) => deliver(web.url, 'pull_request', payload(number))));
      expect(deliveries.map((d) => d.status).filter((status) => status >= 300)).toEqual([]);
      // GitHub redelivers a delivery that was answered (same id): processed once all the same.
      const again = await Promise.all(numbers.slice(0, 5).map((number, i) => deliver(web.url, 'pull_request', payload(number), { delivery: deliveries[i]!.delivery })));
      expect(again.map((d) => d.status).filter((status) => status >= 300)).toEqual([]);

      await api.until(() => numbers.every((number) => completed(heads.get(number)!)) && quiet([...heads.values()]), 60_000);
      // Give a duplicate run a moment to show itself.
      await sleep(1_000);
      for (const number of numbers) {
        expect(runsOf(heads.get(number)!), `check runs of #${number}`).toHaveLength(1);
        expectReviewedOnce(number, heads.get(number)!, `pr-${number}`);
      }
    } finally {
      await stopAll(workers);
    }
  }, 90_000);

  it('Redis restarted mid-run: webhooks answered 503 while it is down, no delivery lost once resent', async () => {
    const numbers = Array.from({ length: 16 }, (_, i) => 300 + i);
    const heads = new Map(numbers.map((number) => [number, openPullRequest(number)]));
    const send = (number: number) => deliver(web.url, 'pull_request', opened(number, heads.get(number)!));
    const workers = await startWorkers(2);
    try {
      const before = numbers.slice(0, 8).map(async (number, i) => {
        await sleep(i * 100);
        return send(number);
      });
      await Promise.all(before);
      await redis.down();
      await expect.poll(() => web.health().catch(() => ({})), { timeout: 10_000, interval: 200 }).toMatchObject({ redis: 'unreachable' });
      const during = numbers.slice(8).map(send);
      await sleep(1_500);
      await redis.up();
      const deliveries = [...(await Promise.all(before)), ...(await Promise.all(during))];
      expect(deliveries.map((d) => d.status).filter((status) => status >= 300 || status === 0)).toEqual([]);
      // Those sent while it was down were refused cleanly first, then accepted.
      for (const d of deliveries.slice(8)) expect(d.attempts[0]).toBe(503);

      // A review cut off by the restart is taken again once its job's lock lapses (20 s) or the sweeper runs (every minute): slow on a loaded machine.
      await api.until(() => numbers.every((number) => completed(heads.get(number)!)) && quiet([...heads.values()]), 100_000).catch((error: Error) => {
        throw new Error(`${error.message}; ${pending(heads)}`);
      });
      for (const number of numbers) expectReviewedOnce(number, heads.get(number)!, `pr-${number}`);
      await expect.poll(() => web.health(), { timeout: 10_000, interval: 200 }).toMatchObject({ redis: 'ok' });
    } finally {
      await stopAll(workers);
    }
  }, 150_000);
});
