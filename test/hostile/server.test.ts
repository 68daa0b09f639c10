// The server under hostile or faulty conditions: oversized and malformed
// webhooks, pushes in quick succession, a review
// full of Secrets logged at debug level, and a review heavy enough to take the
// HTTP thread for minutes if it ran there.
import { writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import nock from 'nock';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TestRepo } from '../helpers/git-repo.js';
import { pullRequestPayload, sendWebhook, sign, startGitHubServer, type TestServer } from '../helpers/github.js';
import { API, FakeGitHub, INSTALLATION, OWNER, REPO } from '../fakes/github.js';
import { strictNock } from '../fakes/nock.js';
import { GITLAB, GITLAB_SECRET } from '../helpers/gitlab.js';
import { configMap, deployment, secret } from '../helpers/manifests.js';

const repoPath = `/repos/${OWNER}/${REPO}`;
let repo: TestRepo;
let server: TestServer | undefined;
let base: string;

function pushHead(number: number, files: Record<string, string>): string {
  return repo.pushHead(base, `refs/pull/${number}/head`, files);
}

strictNock({ loopback: true });
beforeEach(() => {
  repo = new TestRepo();
  base = repo.commit({ 'deploy/web/deploy.yaml': deployment('web', { namespace: 'shop' }) });
});
afterEach(async () => {
  await server?.close();
  server = undefined;
  repo.dispose();
});

describe('webhooks', () => {
  it('refuses oversized and malformed bodies without processing, and keeps serving', async () => {
    server = await startGitHubServer();
    const fake = new FakeGitHub();
    const big = await fetch(`${server.url}/api/github/webhooks`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-github-event': 'pull_request' }, body: 'x'.repeat(11 * 1024 * 1024) }).catch(() => null);
    expect(big === null || big.status === 413).toBe(true);
    const body = '{"action": "opened", "number": ';
    const malformed = await fetch(`${server.url}/api/github/webhooks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-github-event': 'pull_request', 'x-github-delivery': 'm-1', 'x-hub-signature-256': sign(body) },
      body,
    });
    expect(malformed.status).toBeGreaterThanOrEqual(400);
    expect(malformed.status).toBeLessThan(500);
    const unsigned = await fetch(`${server.url}/api/github/webhooks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-github-event': 'pull_request', 'x-github-delivery': 'u-1' },
      body: JSON.stringify(pullRequestPayload('opened', repo.dir, 1, base, base)),
    });
    expect(unsigned.status).toBeGreaterThanOrEqual(400);
    expect(unsigned.status).toBeLessThan(500);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    await server.scheduler.idle();
    expect(fake.checks).toEqual([]);
  });
});

/**
 * Streams `total` bytes as a chunked body (no Content-Length), one reused 64 KiB
 * chunk at a time, until the server answers or closes. Returns the status (null
 * when the connection closed first) and the most this process's RSS rose meanwhile.
 */
async function sendChunked(url: string, headers: Record<string, string>, total: number): Promise<{ status: number | null; rssGrowth: number }> {
  const chunk = Buffer.alloc(64 * 1024, 'x');
  const before = process.memoryUsage.rss();
  let peak = before;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 5);
  try {
    const status = await new Promise<number | null>((resolve) => {
      const req = request(url, { method: 'POST', headers: { ...headers, 'transfer-encoding': 'chunked' } });
      let open = true;
      let drained: (() => void) | null = null;
      req.on('drain', () => drained?.());
      req.on('response', (res) => {
        res.resume();
        // An answer before the whole body is sent: stop sending.
        res.on('end', () => req.destroy()).on('error', () => undefined);
        resolve(res.statusCode ?? null);
      });
      req.on('error', () => resolve(null));
      req.on('close', () => {
        open = false;
        drained?.();
        resolve(null);
      });
      void (async () => {
        for (let sent = 0; sent < total && open; sent += chunk.length) {
          if (!req.write(chunk)) await new Promise<void>((resume) => (drained = resume));
          peak = Math.max(peak, process.memoryUsage.rss());
        }
        if (open) req.end();
      })();
    });
    return { status, rssGrowth: peak - before };
  } finally {
    clearInterval(sampler);
  }
}

describe('chunked bodies', () => {
  it('over the limit are refused as they stream in on both webhook paths, in little memory, and the server keeps serving', async () => {
    server = await startGitHubServer({ env: { GITLAB_URL: GITLAB, GITLAB_TOKEN: 'glpat-test', GITLAB_WEBHOOK_SECRET: GITLAB_SECRET } });
    const fake = new FakeGitHub();
    const sent = 200 * 1024 * 1024;
    const github = await sendChunked(`${server.url}/api/github/webhooks`, { 'content-type': 'application/json', 'x-github-event': 'pull_request', 'x-github-delivery': 'huge-1', 'x-hub-signature-256': sign('{}') }, sent);
    const gitlab = await sendChunked(`${server.url}/api/gitlab/webhooks`, { 'content-type': 'application/json', 'x-gitlab-event': 'Merge Request Hook', 'x-gitlab-token': GITLAB_SECRET }, sent);
    for (const result of [github, gitlab]) {
      expect(result.status).toBe(413);
      expect(result.rssGrowth).toBeLessThan(50 * 1024 * 1024);
    }
    expect(await (await fetch(`${server.url}/healthz`)).json()).toEqual({ status: 'ok', platforms: ['github', 'gitlab'], role: 'all' });
    await server.scheduler.idle();
    expect(fake.checks).toEqual([]);
  });
});

describe('concurrency', () => {
  it('20 pushes to one pull request within a second end with one comment and a final status for the last head', async () => {
    server = await startGitHubServer({ concurrency: 2 });
    const fake = new FakeGitHub();
    const heads = Array.from({ length: 20 }, (_, i) => pushHead(1, { 'deploy/web/deploy.yaml': deployment('web', { namespace: 'shop', replicas: 3 + i }) }));
    const started = performance.now();
    await Promise.all(heads.map((head) => sendWebhook(server!, 'pull_request', pullRequestPayload('synchronize', repo.dir, 1, base, head))));
    expect(performance.now() - started).toBeLessThan(1000);
    await server.scheduler.idle();
    expect(fake.comments).toHaveLength(1);
    expect(fake.comments.map((c) => c.body)[0]).toContain('+  replicas: 22');
    const last = fake.checks.filter((c) => c.head_sha === heads[19]);
    expect(last.map((c) => c.conclusion)).toEqual(['success']);
    // No check is left in progress, and no older head ends green over the newest.
    expect(fake.checks.every((c) => c.conclusion)).toBe(true);
    expect(fake.checks.filter((c) => c.head_sha !== heads[19]).every((c) => c.conclusion === 'cancelled')).toBe(true);
  });
});

describe('secrets at debug level', () => {
  it('appear in no log line, comment or check output', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    server = await startGitHubServer({ log: pino({ level: 'debug' }, sink) });
    const fake = new FakeGitHub();
    const values = ['pw-before-0123456789', 'pw-after-9876543210', 'token-kept-abcdef'];
    base = repo.commit({ 'deploy/web/secret.yaml': secret('db', { password: values[0]!, token: values[2]! }, 'shop') });
    const head = pushHead(1, { 'deploy/web/secret.yaml': secret('db', { password: values[1]!, token: values[2]! }, 'shop') });
    await sendWebhook(server, 'pull_request', pullRequestPayload('opened', repo.dir, 1, base, head));
    await server.scheduler.idle();
    const everything = [lines.join(''), ...fake.comments.map((c) => c.body), ...fake.checks.map((c) => c.output.summary)].join('\n');
    expect(lines.length).toBeGreaterThan(0);
    expect(fake.comments.map((c) => c.body)[0]).toContain('*** (changed)');
    for (const value of values) {
      expect(everything).not.toContain(value);
      expect(everything).not.toContain(Buffer.from(value).toString('base64'));
    }
  });
});

describe('faults', () => {
  it('an unwritable cache directory fails the check with what to do, and the server keeps serving', async () => {
    // A path under a regular file can never become a directory.
    const file = join(tmpdir(), `safe-deploy-not-a-dir-${process.pid}`);
    writeFileSync(file, '');
    server = await startGitHubServer({ cacheDir: join(file, 'cache') });
    const fake = new FakeGitHub();
    const head = pushHead(1, { 'deploy/web/deploy.yaml': deployment('web', { namespace: 'shop', replicas: 4 }) });
    await sendWebhook(server, 'pull_request', pullRequestPayload('opened', repo.dir, 1, base, head));
    await server.scheduler.idle();
    const [check] = fake.checks;
    expect(check).toMatchObject({ conclusion: 'failure', output: { summary: expect.stringMatching(/^cannot prepare the mirror cache in .*safe-deploy-not-a-dir-\d+\/cache .*set SAFE_DEPLOY_CACHE_DIR to a writable directory$/) } });
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });
});

describe('API timeouts and rate limits', () => {
  it('a GitHub API call that hangs times out and is retried, so the review completes', async () => {
    server = await startGitHubServer({ env: { SAFE_DEPLOY_API_TIMEOUT_SECONDS: '1' }, production: true });
    // Registered first, so it answers before the fake's own listing.
    nock(API).get(`${repoPath}/issues/1/comments`).query(true).delay(3000).reply(200, []);
    const fake = new FakeGitHub();
    const head = pushHead(1, { 'deploy/web/deploy.yaml': deployment('web', { namespace: 'shop', replicas: 4 }) });
    const started = performance.now();
    await sendWebhook(server, 'pull_request', pullRequestPayload('opened', repo.dir, 1, base, head));
    await server.scheduler.idle();
    const [check] = fake.checks;
    expect(check).toMatchObject({ conclusion: 'success' });
    // The hung listing was abandoned after the 1 s timeout, not awaited for its 3 s.
    expect(performance.now() - started).toBeGreaterThan(1000);
    expect(fake.comments).toHaveLength(1);
  });
});

describe('heavy reviews', () => {
  it('answer /healthz within a second throughout the review and a reader\'s show of a 16,000-line change, which gets a summary', async () => {
    server = await startGitHubServer();
    const fake = new FakeGitHub();
    const data = (value: string) => Object.fromEntries(Array.from({ length: 16_000 }, (_, i) => [`key-${i}`, `${value}-${i}`]));
    base = repo.commit({ 'deploy/config/big.yaml': configMap('big', data('old'), 'shop') });
    const head = pushHead(1, { 'deploy/config/big.yaml': configMap('big', data('new'), 'shop') });
    const pr = pullRequestPayload('opened', repo.dir, 1, base, head) as { pull_request: object };
    fake.pulls[1] = pr.pull_request;
    const waits: number[] = [];
    let busy = true;
    const probe = (async () => {
      while (busy) {
        const asked = performance.now();
        const health = await fetch(`${server!.url}/healthz`, { signal: AbortSignal.timeout(10_000) });
        waits.push(performance.now() - asked);
        expect(health.status).toBe(200);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    const started = performance.now();
    await sendWebhook(server, 'pull_request', pr);
    await server.scheduler.idle();
    // Anyone who can comment can ask for the whole diff of an object.
    const show = { action: 'created', issue: { number: 1, pull_request: { url: 'x' } }, comment: { id: 555, body: '/safe-deploy show ConfigMap/big', user: { login: 'reader', type: 'User' }, performed_via_github_app: null } };
    await sendWebhook(server, 'issue_comment', { ...show, repository: { name: REPO, owner: { login: OWNER } }, installation: { id: INSTALLATION } });
    await server.scheduler.idle();
    const seconds = (performance.now() - started) / 1000;
    busy = false;
    await probe;
    const [review, reply] = fake.comments.map((c) => c.body);
    expect(review).toContain('1 updated');
    expect(reply).toContain('#### update <code>ConfigMap shop/big</code> in <code>deploy/config</code>');
    expect(reply).toContain('\n# Too different to diff line by line: 16000 lines removed and 16000 added, from line 7. Changed fields:\n#   data.key-0\n');
    expect(seconds).toBeLessThan(20);
    expect(waits.length).toBeGreaterThan(3);
    expect(Math.max(...waits)).toBeLessThan(1000);
  });
});
