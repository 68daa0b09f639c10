import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TestRepo } from '../helpers/git-repo.js';
import { offlineExceptLoopback } from '../helpers/server.js';
import { GITLAB, PROJECT, mergeRequestHook, sendHook, startGitLabServer, type TestServer } from '../helpers/gitlab.js';
import { deployment } from '../helpers/manifests.js';

const api = `/api/v4/projects/${PROJECT}`;
let repo: TestRepo;
let server: TestServer;
let base: string;

interface Recorded {
  statuses: Array<Record<string, unknown>>;
  created: string[];
  edited: Array<{ id: number; body: string }>;
}

function fakeGitLab(head: string, options: { notes?: Array<{ id: number; body: string; authorId: number }>; pipeline?: boolean; mrStatus?: number } = {}): Recorded {
  const recorded: Recorded = { statuses: [], created: [], edited: [] };
  nock(GITLAB)
    .get('/api/v4/user')
    .optionally()
    .reply(200, { id: 99, username: 'safe-deploy-bot' })
    .get(`${api}/merge_requests/1`)
    .reply(options.mrStatus ?? 200, { iid: 1, diff_refs: { base_sha: base, head_sha: head, start_sha: base }, head_pipeline: options.pipeline === false ? null : { id: 300, sha: head } })
    .post(`${api}/statuses/${head}`)
    .times(2)
    .reply(201, (_uri, body) => {
      recorded.statuses.push(body as Record<string, unknown>);
      return { id: 1 };
    })
    .get(`${api}/merge_requests/1/notes`)
    .query(true)
    .times(2)
    .optionally()
    .reply(200, (options.notes ?? []).map((n) => ({ id: n.id, body: n.body, system: false, author: { id: n.authorId, username: n.authorId === 99 ? 'safe-deploy-bot' : 'dev' } })))
    .post(`${api}/merge_requests/1/notes`)
    .optionally()
    .reply(201, (_uri, body) => {
      recorded.created.push((body as { body: string }).body);
      return { id: 11 };
    })
    .put(/\/merge_requests\/1\/notes\/\d+$/)
    .optionally()
    .reply(200, (uri, body) => {
      recorded.edited.push({ id: Number(uri.split('/').pop()), body: (body as { body: string }).body });
      return {};
    });
  return recorded;
}

/** A merge request head reachable only as refs/merge-requests/N/head, as for a fork. */
function pushHead(files: Record<string, string | null>, iid = 1): string {
  return repo.pushHead(base, `refs/merge-requests/${iid}/head`, files);
}

offlineExceptLoopback();
beforeEach(async () => {
  repo = new TestRepo();
  base = repo.commit({ 'deploy/web/deploy.yaml': deployment('web', { namespace: 'shop' }) });
  server = await startGitLabServer();
});
afterEach(async () => {
  await server.close();
  repo.dispose();
  nock.cleanAll();
});

describe('GitLab webhook', () => {
  it('refuses a missing or wrong token with 401 and processes nothing', async () => {
    const head = pushHead({ 'deploy/web/deploy.yaml': deployment('web', { namespace: 'shop', replicas: 3 }) });
    const scope = nock(GITLAB).get(`${api}/merge_requests/1`).reply(200, {});
    expect((await sendHook(server, 'Merge Request Hook', mergeRequestHook('open', repo.dir, 1, head), { token: 'wrong' })).status).toBe(401);
    expect((await sendHook(server, 'Merge Request Hook', mergeRequestHook('open', repo.dir, 1, head), { token: null })).status).toBe(401);
    await server.scheduler.idle();
    expect(scope.isDone()).toBe(false);
  });

  it('on open: creates the note and sets the status on the head pipeline', async () => {
    const head = pushHead({ 'deploy/web/deploy.yaml': deployment('web', { namespace: 'shop', image: 'nginx:latest' }) });
    const recorded = fakeGitLab(head);
    expect((await sendHook(server, 'Merge Request Hook', mergeRequestHook('open', repo.dir, 1, head))).status).toBe(200);
    await server.scheduler.idle();
    expect(recorded.statuses.map((s) => [s.state, s.name, s.pipeline_id])).toEqual([
      ['running', 'safe-deploy', 300],
      ['failed', 'safe-deploy', 300],
    ]);
    expect(recorded.statuses[1]!.description).toBe('1 error');
    expect(recorded.statuses[1]!.target_url).toBe(`${GITLAB}/acme/gitops/-/merge_requests/1`);
    expect(recorded.created).toHaveLength(1);
    expect(recorded.created[0]).toMatch(/^<!-- safe-deploy:review -->\n<!-- safe-deploy:head [0-9a-f]{40} -->\n## ❌ safe-deploy: this merge is blocked/);
    expect(recorded.created[0]).toContain(`(${GITLAB}/acme/gitops/-/blob/${head}/deploy/web/deploy.yaml#L1)`);
  });

  it('on update with new commits: edits its own note, not a person quoting the marker', async () => {
    const head = pushHead({ 'deploy/web/deploy.yaml': deployment('web', { namespace: 'shop', replicas: 4 }) });
    const recorded = fakeGitLab(head, {
      notes: [
        { id: 20, body: 'see <!-- safe-deploy:review -->', authorId: 7 },
        { id: 21, body: '<!-- safe-deploy:review -->\nold', authorId: 99 },
      ],
    });
    await sendHook(server, 'Merge Request Hook', mergeRequestHook('update', repo.dir, 1, head, { oldrev: base }));
    await server.scheduler.idle();
    expect(recorded.created).toEqual([]);
    expect(recorded.edited.map((e) => e.id)).toEqual([21]);
    expect(recorded.edited[0]!.body).toContain('+  replicas: 4');
    expect(recorded.statuses.map((s) => s.state)).toEqual(['running', 'success']);
  });

  it('ignores an update without new commits, other actions and other events', async () => {
    const head = pushHead({ 'deploy/web/deploy.yaml': deployment('web', { namespace: 'shop', replicas: 4 }) });
    const scope = nock(GITLAB).get(`${api}/merge_requests/1`).reply(200, {});
    expect((await sendHook(server, 'Merge Request Hook', mergeRequestHook('update', repo.dir, 1, head))).status).toBe(200);
    expect((await sendHook(server, 'Merge Request Hook', mergeRequestHook('approved', repo.dir, 1, head))).status).toBe(200);
    expect(await (await sendHook(server, 'Push Hook', { object_kind: 'push' })).text()).toBe('ignored\n');
    await server.scheduler.idle();
    expect(scope.isDone()).toBe(false);
  });

  it('tolerates "Cannot transition status" conflicts', async () => {
    const head = pushHead({ 'deploy/web/deploy.yaml': deployment('web', { namespace: 'shop', replicas: 5 }) });
    nock(GITLAB).post(`${api}/statuses/${head}`).reply(400, { message: 'Cannot transition status via :run from :running' });
    const recorded = fakeGitLab(head);
    await sendHook(server, 'Merge Request Hook', mergeRequestHook('reopen', repo.dir, 1, head));
    await server.scheduler.idle();
    expect(recorded.created).toHaveLength(1);
    expect(recorded.statuses.map((s) => s.state)).toEqual(['success']);
  });

  it('retries server errors, then reports a failure that persists', async () => {
    const head = pushHead({ 'deploy/web/deploy.yaml': deployment('web', { namespace: 'shop', replicas: 5 }) });
    nock(GITLAB).get(`${api}/merge_requests/1/notes`).query(true).reply(500, { message: 'boom' });
    const recorded = fakeGitLab(head);
    await sendHook(server, 'Merge Request Hook', mergeRequestHook('open', repo.dir, 1, head));
    await server.scheduler.idle();
    expect(recorded.created).toHaveLength(1);
    expect(recorded.statuses.map((s) => s.state)).toEqual(['running', 'success']);

    nock.cleanAll();
    const second = pushHead({ 'deploy/web/deploy.yaml': deployment('web', { namespace: 'shop', replicas: 6 }) });
    nock(GITLAB).get(`${api}/merge_requests/1/notes`).query(true).times(4).reply(503, { message: 'unavailable' });
    const failing = fakeGitLab(second);
    await sendHook(server, 'Merge Request Hook', mergeRequestHook('update', repo.dir, 1, second, { oldrev: head }));
    await server.scheduler.idle();
    expect(failing.statuses.map((s) => s.state)).toEqual(['running', 'failed']);
    expect(failing.statuses[1]!.description).toMatch(/^safe-deploy could not review this change: the gitlab API answered 503 \(.*unavailable.*\); reference /);
    expect(await (await fetch(`${server.url}/metrics`)).text()).toMatch(/safe_deploy_api_errors_total\{platform="gitlab"\} 1/);
  });

  it('a merge request that cannot be read fails its status with the reason, and is counted', async () => {
    const head = pushHead({ 'deploy/web/deploy.yaml': deployment('web', { namespace: 'shop', replicas: 9 }) });
    const recorded = fakeGitLab(head, { mrStatus: 404 });
    await sendHook(server, 'Merge Request Hook', mergeRequestHook('open', repo.dir, 1, head), { uuid: 'mr-404' });
    await server.scheduler.idle();
    expect(recorded.statuses.map((s) => s.state)).toEqual(['failed']);
    expect(recorded.statuses[0]!.description).toMatch(/^safe-deploy could not review this change: the gitlab API answered 404 \(.*\); reference mr-404 /);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/safe_deploy_api_errors_total\{platform="gitlab"\} 1/);
    expect(metrics).toMatch(/safe_deploy_reviews_total\{platform="gitlab",outcome="error"\} 1/);
  });

  it('refuses an oversized body and malformed JSON, and keeps serving', async () => {
    const big = await fetch(`${server.url}/api/gitlab/webhooks`, {
      method: 'POST',
      headers: { 'x-gitlab-token': 'gitlab-hook-secret', 'x-gitlab-event': 'Merge Request Hook' },
      body: 'x'.repeat(11 * 1024 * 1024),
    }).catch(() => null);
    expect(big === null || big.status === 413).toBe(true);
    const bad = await fetch(`${server.url}/api/gitlab/webhooks`, { method: 'POST', headers: { 'x-gitlab-token': 'gitlab-hook-secret', 'x-gitlab-event': 'Merge Request Hook' }, body: '{"object_kind":' });
    expect(bad.status).toBe(400);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });

  it('waits out a 429 and goes on', async () => {
    const head = pushHead({ 'deploy/web/deploy.yaml': deployment('web', { namespace: 'shop', replicas: 8 }) });
    nock(GITLAB).post(`${api}/merge_requests/1/notes`).reply(429, { message: '429 Too Many Requests' }, { 'retry-after': '0' });
    const recorded = fakeGitLab(head);
    await sendHook(server, 'Merge Request Hook', mergeRequestHook('open', repo.dir, 1, head));
    await server.scheduler.idle();
    expect(recorded.created).toHaveLength(1);
    expect(recorded.statuses.map((s) => s.state)).toEqual(['running', 'success']);
  });

  it('processes each event once, and accepts Note Hooks', async () => {
    const head = pushHead({ 'deploy/web/deploy.yaml': deployment('web', { namespace: 'shop', replicas: 7 }) });
    const recorded = fakeGitLab(head, { pipeline: false });
    const hook = mergeRequestHook('open', repo.dir, 1, head, { diffRefs: { base_sha: base, head_sha: head } });
    await sendHook(server, 'Merge Request Hook', hook, { uuid: 'u-1' });
    expect(await (await sendHook(server, 'Merge Request Hook', hook, { uuid: 'u-1' })).text()).toBe('already processed\n');
    expect((await sendHook(server, 'Note Hook', { object_kind: 'note', object_attributes: { note: 'hi' } })).status).toBe(200);
    await server.scheduler.idle();
    expect(recorded.created).toHaveLength(1);
    expect(recorded.statuses.map((s) => s.pipeline_id)).toEqual([undefined, undefined]);
    expect(await (await fetch(`${server.url}/healthz`)).json()).toEqual({ status: 'ok', platforms: ['gitlab'] });
  });
});
