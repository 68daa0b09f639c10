import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TestRepo } from '../helpers/git-repo.js';
import { offlineExceptLoopback } from '../helpers/server.js';
import { API, INSTALLATION, OWNER, REPO, pullRequestPayload, sendWebhook, sign, startGitHubServer, type TestServer } from '../helpers/github.js';
import { deployment } from '../helpers/manifests.js';

const repoPath = `/repos/${OWNER}/${REPO}`;
let repo: TestRepo;
let server: TestServer;
let base: string;

interface Recorded {
  checks: Array<Record<string, unknown>>;
  comments: string[];
  edits: Array<{ id: number; body: string }>;
}

/** Fakes the API calls of one review; records what safe-deploy sends. */
function fakeGitHub(options: { existing?: Array<{ id: number; body: string; type?: string }>; checkRunId?: number; commentStatus?: number } = {}): Recorded {
  const recorded: Recorded = { checks: [], comments: [], edits: [] };
  const id = options.checkRunId ?? 777;
  nock(API)
    .post(`/app/installations/${INSTALLATION}/access_tokens`)
    .optionally()
    .times(5)
    .reply(201, { token: 'ghs_test', expires_at: '2099-01-01T00:00:00Z', permissions: {} })
    .post(`${repoPath}/check-runs`)
    .reply(201, (_uri, body) => {
      recorded.checks.push(body as Record<string, unknown>);
      return { id };
    })
    .get(`${repoPath}/issues/1/comments`)
    .query(true)
    .times(2)
    .reply(200, (options.existing ?? []).map((c) => ({ id: c.id, body: c.body, ...author(c.type ?? 'Bot') })))
    .patch(new RegExp(`${repoPath}/check-runs/${id}$`))
    .times(10)
    .reply(200, (_uri, body) => {
      recorded.checks.push(body as Record<string, unknown>);
      return { id };
    });
  nock(API)
    .post(`${repoPath}/issues/1/comments`)
    .optionally()
    .reply(options.commentStatus ?? 201, (_uri, body) => {
      recorded.comments.push((body as { body: string }).body);
      return options.commentStatus && options.commentStatus >= 400 ? { message: 'Server Error' } : { id: 1 };
    })
    .patch(/\/issues\/comments\/\d+$/)
    .optionally()
    .reply(200, (uri, body) => {
      recorded.edits.push({ id: Number(uri.split('/').pop()), body: (body as { body: string }).body });
      return {};
    });
  return recorded;
}

const final = (r: Recorded) => r.checks[r.checks.length - 1]!;

/** A comment author as GitHub reports it: our App (id 1234, as the test server is configured), another bot, or a person. */
function author(type: string) {
  if (type === 'Bot') return { user: { login: 'safe-deploy[bot]', type: 'Bot' }, performed_via_github_app: { id: 1234 } };
  if (type === 'OtherBot') return { user: { login: 'other[bot]', type: 'Bot' }, performed_via_github_app: { id: 99 } };
  return { user: { login: 'dev', type: 'User' }, performed_via_github_app: null };
}

offlineExceptLoopback();

beforeEach(async () => {
  repo = new TestRepo();
  base = repo.commit({ 'deploy/web/deploy.yaml': deployment('web', { namespace: 'shop' }), 'README.md': '# gitops\n' });
  server = await startGitHubServer();
});
afterEach(async () => {
  await server.close();
  repo.dispose();
  nock.cleanAll();
});

/** A pull request head that only exists as refs/pull/N/head, as for a fork. */
function pushHead(files: Record<string, string | null>, number = 1): string {
  return repo.pushHead(base, `refs/pull/${number}/head`, files);
}

describe('GitHub App', () => {
  it('on opened: creates the check in progress, posts the comment, completes the check with annotations', async () => {
    const head = pushHead({ 'deploy/web/deploy.yaml': deployment('web', { namespace: 'shop', image: 'nginx:latest' }) });
    const recorded = fakeGitHub();
    const response = await sendWebhook(server, 'pull_request', pullRequestPayload('opened', repo.dir, 1, base, head));
    expect(response.status).toBe(200);
    await server.scheduler.idle();

    expect(recorded.checks[0]).toMatchObject({ name: 'safe-deploy', head_sha: head, status: 'in_progress' });
    expect(recorded.comments).toHaveLength(1);
    expect(recorded.comments[0]).toMatch(/^<!-- safe-deploy:review -->\n<!-- safe-deploy:head [0-9a-f]{40} -->\n## ❌ safe-deploy: this merge is blocked/);
    expect(recorded.comments[0]).toContain('+          image: nginx:latest');
    expect(recorded.comments[0]).toContain(`(https://github.com/${OWNER}/${REPO}/blob/${head}/deploy/web/deploy.yaml#L1)`);
    expect(final(recorded)).toMatchObject({ status: 'completed', conclusion: 'failure', output: { title: '1 error' } });
    const output = final(recorded).output as { summary: string; annotations: Array<Record<string, unknown>> };
    expect(output.summary.length).toBeLessThanOrEqual(65_535);
    expect(output.annotations).toEqual([
      { path: 'deploy/web/deploy.yaml', start_line: 1, end_line: 1, annotation_level: 'failure', title: 'image-tag-mutable', message: 'container app of Deployment web uses nginx:latest.' },
    ]);
  });

  it('on synchronize: edits the same comment instead of adding one', async () => {
    const head = pushHead({ 'deploy/web/deploy.yaml': deployment('web', { namespace: 'shop', replicas: 3 }) });
    const recorded = fakeGitHub({
      existing: [
        { id: 5, body: 'a person quoting <!-- safe-deploy:review -->', type: 'User' },
        { id: 6, body: 'another App quoting <!-- safe-deploy:review -->', type: 'OtherBot' },
        { id: 9, body: '<!-- safe-deploy:review -->\nold' },
      ],
    });
    await sendWebhook(server, 'pull_request', pullRequestPayload('synchronize', repo.dir, 1, base, head));
    await server.scheduler.idle();
    expect(recorded.comments).toEqual([]);
    expect(recorded.edits.map((e) => e.id)).toEqual([9]);
    expect(recorded.edits[0]!.body).toContain('+  replicas: 3');
    expect(final(recorded)).toMatchObject({ conclusion: 'success', output: { title: '1 change, no findings' } });
  });

  it('completes with "No Kubernetes changes" and posts nothing when no manifest changes', async () => {
    const head = pushHead({ 'README.md': '# changed\n' });
    const recorded = fakeGitHub();
    await sendWebhook(server, 'pull_request', pullRequestPayload('opened', repo.dir, 1, base, head));
    await server.scheduler.idle();
    expect(recorded.comments).toEqual([]);
    expect(recorded.edits).toEqual([]);
    expect(final(recorded)).toMatchObject({ status: 'completed', conclusion: 'success', output: { title: 'No Kubernetes changes' } });
  });

  it('updates an earlier comment to say there are no Kubernetes changes any more', async () => {
    const head = pushHead({ 'README.md': '# changed\n' });
    const recorded = fakeGitHub({ existing: [{ id: 9, body: '<!-- safe-deploy:review -->\nold diff' }] });
    await sendWebhook(server, 'pull_request', pullRequestPayload('synchronize', repo.dir, 1, base, head));
    await server.scheduler.idle();
    expect(recorded.edits).toHaveLength(1);
    expect(recorded.edits[0]!.body).toContain('No Kubernetes changes');
  });

  it('completes the check as failed, with a reference, when the API fails', async () => {
    const head = pushHead({ 'deploy/web/deploy.yaml': deployment('web', { namespace: 'shop', replicas: 5 }) });
    const recorded = fakeGitHub({ commentStatus: 500 });
    await sendWebhook(server, 'pull_request', pullRequestPayload('opened', repo.dir, 1, base, head), { delivery: 'delivery-500' });
    await server.scheduler.idle();
    expect(final(recorded)).toMatchObject({ status: 'completed', conclusion: 'failure', output: { title: 'safe-deploy could not review this change' } });
    expect((final(recorded).output as { summary: string }).summary).toMatch(/^the github API answered 500 \(.*\); reference delivery-500 in the logs/);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/safe_deploy_api_errors_total\{platform="github"\} 1/);
    expect(metrics).toMatch(/safe_deploy_reviews_total\{platform="github",outcome="error"\} 1/);
  });

  it('completes the check as failed with a clear message when the code cannot be fetched', async () => {
    const recorded = fakeGitHub();
    await sendWebhook(server, 'pull_request', pullRequestPayload('opened', '/nonexistent/repo.git', 1, base, 'f'.repeat(40)));
    await server.scheduler.idle();
    expect(final(recorded)).toMatchObject({ conclusion: 'failure' });
    expect((final(recorded).output as { summary: string }).summary).toMatch(/^cannot fetch from \/nonexistent\/repo\.git/);
  });

  it('processes a delivery once, and rejects a bad signature without processing', async () => {
    const head = pushHead({ 'deploy/web/deploy.yaml': deployment('web', { namespace: 'shop', replicas: 4 }) });
    const recorded = fakeGitHub();
    const payload = pullRequestPayload('opened', repo.dir, 1, base, head);
    await sendWebhook(server, 'pull_request', payload, { delivery: 'same-id' });
    await sendWebhook(server, 'pull_request', payload, { delivery: 'same-id' });
    await server.scheduler.idle();
    expect(recorded.checks.filter((c) => c.status === 'in_progress')).toHaveLength(1);
    expect(recorded.comments).toHaveLength(1);

    const forged = await sendWebhook(server, 'pull_request', payload, { signature: sign('{}', 'wrong-secret') });
    expect(forged.status).toBeGreaterThanOrEqual(400);
    expect(forged.status).toBeLessThan(500);
    await server.scheduler.idle();
    expect(recorded.comments).toHaveLength(1);
  });

  it('never lets a stale review overwrite a newer one', async () => {
    const first = pushHead({ 'deploy/web/deploy.yaml': deployment('web', { namespace: 'shop', replicas: 3 }) });
    const second = pushHead({ 'deploy/web/deploy.yaml': deployment('web', { namespace: 'shop', replicas: 4 }) });
    const comments: string[] = [];
    const conclusions: Record<number, string> = {};
    nock(API)
      .persist()
      .post(`/app/installations/${INSTALLATION}/access_tokens`)
      .reply(201, { token: 'ghs_test', expires_at: '2099-01-01T00:00:00Z', permissions: {} })
      .post(`${repoPath}/check-runs`)
      .delay(300) // the first push's check is slow to create: the second push overtakes it
      .reply(201, (_uri, body) => ({ id: (body as { head_sha: string }).head_sha === first ? 1 : 2 }))
      .patch(/\/check-runs\/\d+$/)
      .reply(200, (uri, body) => {
        const b = body as { conclusion?: string };
        if (b.conclusion) conclusions[Number(uri.split('/').pop())] = b.conclusion;
        return {};
      })
      .get(`${repoPath}/issues/1/comments`)
      .query(true)
      .reply(200, [])
      .post(`${repoPath}/issues/1/comments`)
      .reply(201, (_uri, body) => {
        comments.push((body as { body: string }).body);
        return { id: 1 };
      });
    await sendWebhook(server, 'pull_request', pullRequestPayload('synchronize', repo.dir, 1, base, first));
    await sendWebhook(server, 'pull_request', pullRequestPayload('synchronize', repo.dir, 1, base, second));
    await server.scheduler.idle();
    expect(comments).toHaveLength(1);
    expect(comments[0]).toContain('+  replicas: 4');
    expect(conclusions).toEqual({ 1: 'cancelled', 2: 'success' });
  });

  it('reruns on check_run.rerequested, finding a fork pull request by its commit', async () => {
    const head = pushHead({ 'deploy/web/deploy.yaml': deployment('web', { namespace: 'shop', replicas: 6 }) });
    const recorded = fakeGitHub();
    const pr = (pullRequestPayload('opened', repo.dir, 1, base, head) as { pull_request: object }).pull_request;
    nock(API).get(`${repoPath}/commits/${head}/pulls`).reply(200, [{ number: 1, state: 'open' }]).get(`${repoPath}/pulls/1`).reply(200, pr);
    await sendWebhook(server, 'check_run', {
      action: 'rerequested',
      check_run: { id: 1, name: 'safe-deploy', head_sha: head, pull_requests: [] },
      repository: { name: REPO, owner: { login: OWNER } },
      installation: { id: INSTALLATION },
    });
    await server.scheduler.idle();
    expect(recorded.comments[0]).toContain('+  replicas: 6');
    expect(final(recorded)).toMatchObject({ conclusion: 'success' });
  });

  it('serves health and metrics', async () => {
    expect(await (await fetch(`${server.url}/healthz`)).json()).toEqual({ status: 'ok', platforms: ['github'] });
    const metrics = await fetch(`${server.url}/metrics`);
    expect(metrics.headers.get('content-type')).toContain('text/plain');
    expect(await metrics.text()).toContain('# TYPE safe_deploy_review_duration_seconds histogram');
    expect((await fetch(`${server.url}/nope`)).status).toBe(404);
  });
});

describe('GitHub App under secondary rate limits', () => {
  it('waits and retries when GitHub answers 403 with retry-after', async () => {
    await server.close();
    server = await startGitHubServer({ throttle: true });
    const head = pushHead({ 'deploy/web/deploy.yaml': deployment('web', { namespace: 'shop', replicas: 7 }) });
    nock(API)
      .post(`${repoPath}/issues/1/comments`)
      .reply(403, { message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.' }, { 'retry-after': '1' });
    const recorded = fakeGitHub();
    await sendWebhook(server, 'pull_request', pullRequestPayload('opened', repo.dir, 1, base, head));
    await server.scheduler.idle();
    expect(recorded.comments).toHaveLength(1);
    expect(final(recorded)).toMatchObject({ conclusion: 'success' });
  });
});
