// End to end on GitLab: hooks into the real server (the webhook handler, the
// bot, reviews on worker threads) against a stateful GitLab. Only the wiring is
// proven here; behaviours are test/bot, the adapter's calls gitlab-webhook.test.ts.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TestRepo } from '../helpers/git-repo.js';
import { mergeRequestHook, sendHook, startGitLabServer, type TestServer } from '../helpers/gitlab.js';
import { deployment } from '../helpers/manifests.js';
import { FakeGitLab, GITLAB, PROJECT } from '../fakes/gitlab.js';
import { strictNock } from '../fakes/nock.js';

const P = `/api/v4/projects/${PROJECT}`;
let repo: TestRepo;
let server: TestServer;
let gitlab: FakeGitLab;
let base: string;

strictNock({ loopback: true });
beforeEach(async () => {
  repo = new TestRepo();
  base = repo.commit({ 'deploy/web/deploy.yaml': deployment('web', { namespace: 'shop' }) });
  gitlab = new FakeGitLab();
  server = await startGitLabServer();
});
afterEach(async () => {
  await server.close();
  repo.dispose();
});

describe('GitLab webhook, end to end', () => {
  it('a merge request hook: the note, and the status on the head pipeline', async () => {
    const head = repo.pushHead(base, 'refs/merge-requests/1/head', { 'deploy/web/deploy.yaml': deployment('web', { namespace: 'shop', image: 'nginx:latest' }) });
    gitlab.mergeRequest = { iid: 1, diff_refs: { base_sha: base, head_sha: head }, head_pipeline: { id: 300, sha: head } };
    expect(await (await sendHook(server, 'Merge Request Hook', mergeRequestHook('open', repo.dir, 1, head), { uuid: 'u-1' })).text()).toBe('ok\n');
    expect(await (await sendHook(server, 'Merge Request Hook', mergeRequestHook('open', repo.dir, 1, head), { uuid: 'u-1' })).text()).toBe('already processed\n');
    await server.scheduler.idle();
    expect(gitlab.statuses.map((s) => [s.sha, s.state, s.name, Number(s.pipeline_id), s.description])).toEqual([
      [head, 'running', 'safe-deploy', 300, 'Predicting the cluster diff…'],
      [head, 'failed', 'safe-deploy', 300, '1 error'],
    ]);
    expect((gitlab.statuses[1] as { target_url?: string }).target_url).toBe(`${GITLAB}/acme/gitops/-/merge_requests/1`);
    const [note] = gitlab.notes;
    expect(note!.body).toMatch(/^<!-- safe-deploy:review -->\n<!-- safe-deploy:head [0-9a-f]{40} -->\n## ❌ safe-deploy: this merge is blocked/);
    expect(note!.body).toContain(`(${GITLAB}/acme/gitops/-/blob/${head}/deploy/web/deploy.yaml#L1)`);
    expect(gitlab.calls).toEqual([
      `GET ${P}/merge_requests/1`,
      `POST ${P}/statuses/${head}`,
      `GET ${P}/merge_requests/1/notes`,
      'GET /api/v4/user',
      `GET ${P}/merge_requests/1/notes`,
      `POST ${P}/merge_requests/1/notes`,
      `POST ${P}/statuses/${head}`,
    ]);
  });

  it('refuses a wrong token, an oversized body and malformed JSON, and keeps serving', async () => {
    expect((await sendHook(server, 'Merge Request Hook', mergeRequestHook('open', repo.dir, 1, base), { token: 'wrong' })).status).toBe(401);
    const big = await fetch(`${server.url}/api/gitlab/webhooks`, { method: 'POST', headers: { 'x-gitlab-token': 'gitlab-hook-secret', 'x-gitlab-event': 'Merge Request Hook' }, body: 'x'.repeat(11 * 1024 * 1024) }).catch(() => null);
    expect(big === null || big.status === 413).toBe(true);
    const bad = await fetch(`${server.url}/api/gitlab/webhooks`, { method: 'POST', headers: { 'x-gitlab-token': 'gitlab-hook-secret', 'x-gitlab-event': 'Merge Request Hook' }, body: '{"object_kind":' });
    expect(bad.status).toBe(400);
    expect(await (await fetch(`${server.url}/healthz`)).json()).toEqual({ status: 'ok', platforms: ['gitlab'], role: 'all' });
    await server.scheduler.idle();
    expect(gitlab.calls).toEqual([]);
  });
});
