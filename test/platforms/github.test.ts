// End to end on GitHub: signed webhooks into the real server (Probot, the bot,
// reviews on worker threads) against a stateful GitHub. Only the wiring is
// proven here; behaviours are test/bot, the adapter's calls github-app.test.ts.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { namespaceOf } from '../../src/util/disk-cache.js';
import { TestRepo } from '../helpers/git-repo.js';
import { pullRequestPayload, sendWebhook, sign, startGitHubServer, type TestServer } from '../helpers/github.js';
import { deployment } from '../helpers/manifests.js';
import { FakeGitHub, INSTALLATION, OWNER, REPO } from '../fakes/github.js';
import { strictNock } from '../fakes/nock.js';

const R = `/repos/${OWNER}/${REPO}`;
let repo: TestRepo;
let server: TestServer;
let github: FakeGitHub;
let base: string;

strictNock({ loopback: true });
beforeEach(async () => {
  repo = new TestRepo();
  base = repo.commit({ 'deploy/web/deploy.yaml': deployment('web', { namespace: 'shop' }) });
  github = new FakeGitHub();
  server = await startGitHubServer();
});
afterEach(async () => {
  await server.close();
  repo.dispose();
});

const pushHead = (files: Record<string, string>) => repo.pushHead(base, 'refs/pull/1/head', files);

describe('GitHub App, end to end', () => {
  it('a pull request webhook: the check in progress, the comment, the check completed with annotations', async () => {
    const head = pushHead({ 'deploy/web/deploy.yaml': deployment('web', { namespace: 'shop', image: 'nginx:latest' }) });
    const response = await sendWebhook(server, 'pull_request', pullRequestPayload('opened', repo.dir, 1, base, head));
    expect(response.status).toBe(200);
    await server.scheduler.idle();
    const [comment] = github.comments;
    expect(comment!.body).toMatch(/^<!-- safe-deploy:review -->\n<!-- safe-deploy:head [0-9a-f]{40} -->\n## ❌ safe-deploy: this merge is blocked/);
    expect(comment!.body).toContain('+          image: nginx:latest');
    expect(comment!.body).toContain(`(https://github.com/${OWNER}/${REPO}/blob/${head}/deploy/web/deploy.yaml#L1)`);
    const [check] = github.checks;
    expect(check).toMatchObject({ name: 'safe-deploy', head_sha: head, status: 'completed', conclusion: 'failure', output: { title: '1 error' } });
    expect(check!.output.summary.length).toBeLessThanOrEqual(65_535);
    expect(check!.output.annotations).toEqual([
      { path: 'deploy/web/deploy.yaml', start_line: 1, end_line: 1, annotation_level: 'failure', title: 'image-tag-mutable', message: 'container app of Deployment web uses nginx:latest.' },
    ]);
    expect(github.calls).toEqual([`POST /app/installations/${INSTALLATION}/access_tokens`, `POST ${R}/check-runs`, `GET ${R}/issues/1/comments`, `GET ${R}/issues/1/comments`, `POST ${R}/issues/1/comments`, `PATCH ${R}/check-runs/${check!.id}`]);
  });

  it('keeps renders in its cache directory, in the folder of the repository', async () => {
    await server.close();
    const cacheDir = mkdtempSync(join(tmpdir(), 'safe-deploy-cache-'));
    try {
      server = await startGitHubServer({ cacheDir });
      const head = pushHead({ 'apps/web/kustomization.yaml': 'resources: [deploy.yaml]\n', 'apps/web/deploy.yaml': deployment('web', { namespace: 'shop' }) });
      expect((await sendWebhook(server, 'pull_request', pullRequestPayload('opened', repo.dir, 1, base, head))).status).toBe(200);
      await server.scheduler.idle();
      expect(github.comments[0]!.body).toContain('apps/web');
      // The repository is known by its web URL: its folder is named by a hash of it.
      expect(readdirSync(join(cacheDir, 'renders'))).toEqual([namespaceOf(`github.com/${OWNER}/${REPO}`)]);
      expect(readdirSync(join(cacheDir, 'renders', namespaceOf(`github.com/${OWNER}/${REPO}`)))).toEqual([expect.stringMatching(/^[0-9a-f]{64}$/)]);
    } finally {
      await server.close();
      server = await startGitHubServer();
      rmSync(cacheDir, { recursive: true, force: true });
    }
  });

  it('processes a delivery once, and rejects a bad signature without processing', async () => {
    const head = pushHead({ 'deploy/web/deploy.yaml': deployment('web', { namespace: 'shop', replicas: 4 }) });
    const payload = pullRequestPayload('opened', repo.dir, 1, base, head);
    await sendWebhook(server, 'pull_request', payload, { delivery: 'same-id' });
    await sendWebhook(server, 'pull_request', payload, { delivery: 'same-id' });
    const forged = await sendWebhook(server, 'pull_request', payload, { signature: sign('{}', 'wrong-secret') });
    expect(forged.status).toBeGreaterThanOrEqual(400);
    expect(forged.status).toBeLessThan(500);
    await server.scheduler.idle();
    expect(github.checks).toHaveLength(1);
    expect(github.comments).toHaveLength(1);
  });

  it('a pull request whose code cannot be fetched fails the check with a clear message', async () => {
    await sendWebhook(server, 'pull_request', pullRequestPayload('opened', '/nonexistent/repo.git', 1, base, 'f'.repeat(40)));
    await server.scheduler.idle();
    expect(github.checks).toEqual([expect.objectContaining({ conclusion: 'failure', output: expect.objectContaining({ summary: expect.stringMatching(/^cannot fetch from \/nonexistent\/repo\.git/) }) })]);
    expect(github.comments).toEqual([]);
  });

  it('waits out a secondary rate limit and retries, with pacing on', async () => {
    github.failures[`POST ${R}/issues/1/comments`] = [[403, 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.']];
    const head = pushHead({ 'deploy/web/deploy.yaml': deployment('web', { namespace: 'shop', replicas: 7 }) });
    await sendWebhook(server, 'pull_request', pullRequestPayload('opened', repo.dir, 1, base, head));
    await server.scheduler.idle();
    expect(github.comments).toHaveLength(1);
    expect(github.checks[0]).toMatchObject({ conclusion: 'success' });
    expect(github.calls.filter((c) => c === `POST ${R}/issues/1/comments`)).toHaveLength(2);
  });

  it('serves health and metrics', async () => {
    expect(await (await fetch(`${server.url}/healthz`)).json()).toEqual({ status: 'ok', platforms: ['github'], role: 'all' });
    const metrics = await fetch(`${server.url}/metrics`);
    expect(metrics.headers.get('content-type')).toContain('text/plain');
    expect(await metrics.text()).toContain('# TYPE safe_deploy_review_duration_seconds histogram');
    expect((await fetch(`${server.url}/nope`)).status).toBe(404);
  });

  it('refuses to start without a webhook secret, or with a short record key', async () => {
    await expect(startGitHubServer({ env: { WEBHOOK_SECRET: '' } })).rejects.toThrow('WEBHOOK_SECRET is not set: webhooks must be signed with a secret of your own');
    await expect(startGitHubServer({ env: { SAFE_DEPLOY_RECORD_KEY: 'short' } })).rejects.toThrow('SAFE_DEPLOY_RECORD_KEY must be at least 32 characters');
  });
});
