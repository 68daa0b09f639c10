// REDIS_URL on the GitHub server (role all): durable mode in one process — the
// delivery goes through the queue in Redis to the review — and Probot shares its GitHub
// rate-limit throttling through that Redis, with the ioredis client safe-deploy ships.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TestRepo } from '../helpers/git-repo.js';
import { pullRequestPayload, sendWebhook, startGitHubServer, type TestServer } from '../helpers/github.js';
import { deployment } from '../helpers/manifests.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import Bottleneck from 'bottleneck';
import { Redis } from 'ioredis';
import { recoversAfterRestart } from '../../src/platforms/github/octokit.js';
import { FakeGitHub } from '../fakes/github.js';
import { strictNock } from '../fakes/nock.js';

let redis: TestRedis;
let repo: TestRepo;
let server: TestServer;
let github: FakeGitHub;

strictNock({ loopback: true });
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(() => redis.stop());
beforeEach(() => {
  repo = new TestRepo();
  github = new FakeGitHub();
});
afterEach(async () => {
  await server?.close();
  repo.dispose();
});

describe('REDIS_URL', () => {
  it('starts, reviews, and keeps the GitHub throttling state in that Redis', async () => {
    server = await startGitHubServer({ env: { REDIS_URL: redis.url } });
    const base = repo.commit({ 'deploy/web/deploy.yaml': deployment('web', { namespace: 'shop' }) });
    const head = repo.pushHead(base, 'refs/pull/1/head', { 'deploy/web/deploy.yaml': deployment('web', { namespace: 'shop', replicas: 3 }) });
    const payload = pullRequestPayload('opened', repo.dir, 1, base, head);
    expect((await sendWebhook(server, 'pull_request', payload, { delivery: 'd-1' })).status).toBe(200);
    // Recorded once: a redelivery is not queued again.
    expect((await sendWebhook(server, 'pull_request', payload, { delivery: 'd-1' })).status).toBe(200);
    for (let i = 0; i < 200 && github.checks[0]?.status !== 'completed'; i++) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(github.checks).toEqual([expect.objectContaining({ status: 'completed', conclusion: 'success' })]);
    expect(github.comments).toHaveLength(1);
    // Bottleneck's clustering keys ("b_<limiter id>_…") of the throttling plugin's limiters.
    const keys = await redis.client().keys('b_*');
    expect(keys.some((k) => k.includes('octokit'))).toBe(true);
  });
});

describe('pacing across a Redis restart', () => {
  // On a Redis of its own: it deletes Bottleneck's keys.
  it('a limiter kept in Redis works again once Redis is back (Redis 7 prefixes the errors Bottleneck recovers from with "ERR ")', async () => {
    const own = await startRedis();
    const attempt = async (adapt: boolean) => {
      const client = new Redis(own.url, { maxRetriesPerRequest: null });
      const connection = new Bottleneck.IORedisConnection({ client });
      connection.on('error', () => undefined);
      if (adapt) recoversAfterRestart(connection);
      const limiter = new Bottleneck({ id: `pace-${adapt}`, maxConcurrent: 1, minTime: 10, datastore: 'ioredis', clearDatastore: true, connection });
      limiter.on('error', () => undefined);
      try {
        expect(await limiter.schedule(async () => 'before')).toBe('before');
        // What a Redis restart can leave: the limiter's client registration gone (deleted here).
        await own.client().del(`b_pace-${adapt}_client_last_seen`);
        return await limiter.schedule(async () => 'after').catch((error: Error) => `failed: ${error.message}`);
      } finally {
        // Stops the limiters' heartbeats and closes the client.
        await Promise.resolve(connection.disconnect(false)).catch(() => undefined);
      }
    };
    try {
      expect(await attempt(false)).toBe('failed: ERR UNKNOWN_CLIENT');
      expect(await attempt(true)).toBe('after');
    } finally {
      await own.stop();
    }
  });
});
