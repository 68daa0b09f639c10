// Fork pull requests on GitHub with `forks: on-rerun` in the base branch's config:
// signed webhooks into the real server against a stateful GitHub. Nothing of a
// fork's head is fetched or rendered until someone with write access asks.
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { endToEnd } from '../helpers/end-to-end.js';
import { pullRequestPayload, sendWebhook, startGitHubServer } from '../helpers/github.js';
import { deployment } from '../helpers/manifests.js';
import { FakeGitHub, INSTALLATION, OWNER, REPO } from '../fakes/github.js';

const t = endToEnd({ files: { 'deploy/web/deploy.yaml': deployment('web', { namespace: 'shop' }) }, fake: () => new FakeGitHub(), server: () => startGitHubServer() });

/** A pull request whose head branch lives in the fork `contributor/gitops` (repository id 2). */
function forkPayload(action: string, head: string): { action: string; pull_request: { head: { repo: object } } } {
  const payload = pullRequestPayload(action, t.repo.dir, 1, t.base, head) as { action: string; pull_request: { head: { repo: object }; base: object } };
  payload.pull_request.head.repo = { id: 2, name: REPO, full_name: `contributor/${REPO}`, owner: { login: 'contributor' } };
  t.fake.pulls[1] = payload.pull_request;
  return payload;
}

const comment = (body: string, login: string, id: number) => ({
  action: 'created',
  issue: { number: 1, pull_request: { url: 'x' } },
  comment: { id, body, user: { login, type: 'User' }, performed_via_github_app: null },
  repository: { id: 1, name: REPO, full_name: `${OWNER}/${REPO}`, owner: { login: OWNER }, html_url: `https://github.com/${OWNER}/${REPO}` },
  installation: { id: INSTALLATION },
});

/** The bare mirrors the t.server fetched code into (one per repository, `<hash>.git` in its cache directory). */
const mirrored = () => readdirSync(t.server.cacheDir!).filter((name) => name.endsWith('.git'));
const thread = () => t.fake.thread(1);

describe('fork pull requests under forks: on-rerun', () => {
  it('wait for a maintainer: no fetch, an action-required check and a comment; a reader cannot start or peek; a writer’s rerun reviews; a new push waits again', async () => {
    t.fake.filesAt[t.base] = { '.safe-deploy.yml': 'forks: on-rerun\n' };
    const head = t.repo.pushHead(t.base, 'refs/pull/1/head', { 'deploy/web/deploy.yaml': deployment('web', { namespace: 'shop', image: 'nginx:latest' }) });
    // The fork's own config asks for automatic reviews: it is never read for the gate.
    t.fake.filesAt[head] = { '.safe-deploy.yml': 'forks: automatic\n' };
    expect((await sendWebhook(t.server, 'pull_request', forkPayload('opened', head))).status).toBe(200);
    await t.server.scheduler.idle();
    expect(t.fake.checks).toEqual([expect.objectContaining({ head_sha: head, status: 'completed', conclusion: 'action_required', output: expect.objectContaining({ title: 'Fork pull request: waiting for a maintainer' }) })]);
    expect(thread()).toHaveLength(1);
    expect(thread()[0]!.body).toMatch(/^<!-- safe-deploy:review -->\n## ⏸️ safe-deploy: Fork pull request: waiting for a maintainer\n/);
    expect(thread()[0]!.body).toContain(`Head \`${head}\` has not been fetched or rendered.`);
    expect(mirrored()).toEqual([]);
    expect(t.fake.calls.filter((c) => c.includes('/contents/'))).toEqual([`GET /repos/${OWNER}/${REPO}/contents/.safe-deploy.yml`]);

    // A reader (the fork's author) can neither start a review nor make one through show.
    t.fake.roles.contributor = 'read';
    await sendWebhook(t.server, 'issue_comment', comment('/safe-deploy rerun', 'contributor', 901));
    await sendWebhook(t.server, 'issue_comment', comment('/safe-deploy show Deployment/web', 'contributor', 902));
    await t.server.scheduler.idle();
    const replies = thread().slice(1).map((c) => c.body);
    expect(replies[0]).toContain('needs write access to the repository, and you have read access');
    expect(replies[1]).toContain(`\`/safe-deploy show\` could not run: this fork's head ${head.slice(0, 12)} waits for a maintainer's /safe-deploy rerun; nothing of it is rendered before`);
    expect(mirrored()).toEqual([]);
    expect(t.fake.checks).toHaveLength(1);

    // A maintainer's rerun reviews the head: the comment becomes the review.
    t.fake.roles.maintainer = 'maintain';
    await sendWebhook(t.server, 'issue_comment', comment('/safe-deploy rerun', 'maintainer', 903));
    await t.server.scheduler.idle();
    expect(thread()[0]!.body).toMatch(new RegExp(`^<!-- safe-deploy:review -->\\n<!-- safe-deploy:head ${head} -->\\n## ❌ safe-deploy: this merge is blocked`));
    expect(thread()[0]!.body).toContain('+          image: nginx:latest');
    expect(t.fake.checks.at(-1)).toMatchObject({ head_sha: head, status: 'completed', conclusion: 'failure' });
    expect(mirrored()).toHaveLength(1);

    // Now the head has a review, a reader may look into it.
    await sendWebhook(t.server, 'issue_comment', comment('/safe-deploy show Deployment/web', 'contributor', 904));
    await t.server.scheduler.idle();
    expect(thread().at(-1)!.body).toContain('+          image: nginx:latest');

    // A review of the pull request asks the approvals again: the head reviewed stays reviewed, it does not wait anew.
    const checks = t.fake.checks.length;
    await sendWebhook(t.server, 'pull_request_review', { ...forkPayload('submitted', head), review: { id: 1, state: 'approved' } });
    await t.server.scheduler.idle();
    expect(thread()[0]!.body).toMatch(new RegExp(`^<!-- safe-deploy:review -->\\n<!-- safe-deploy:head ${head} -->\\n## ❌ safe-deploy: this merge is blocked`));
    expect(t.fake.checks.slice(checks).map((c) => [c.name, c.conclusion])).toEqual([['safe-deploy', 'failure']]);

    // The fork pushes again: that head waits, and the comment no longer speaks for an unreviewed head.
    const next = t.repo.pushHead(head, 'refs/pull/1/head', { 'deploy/web/deploy.yaml': deployment('web', { namespace: 'shop', image: 'nginx:1.27' }) });
    await sendWebhook(t.server, 'pull_request', forkPayload('synchronize', next));
    await t.server.scheduler.idle();
    expect(t.fake.checks.at(-1)).toMatchObject({ head_sha: next, status: 'completed', conclusion: 'action_required' });
    expect(thread()[0]!.body).toContain(`Head \`${next}\` has not been fetched or rendered.`);
    expect(thread()[0]!.body).not.toContain('nginx');
  });

  it('a check re-run (only writers can) is a maintainer’s go-ahead', async () => {
    t.fake.filesAt[t.base] = { '.safe-deploy.yml': 'forks: on-rerun\n' };
    const head = t.repo.pushHead(t.base, 'refs/pull/1/head', { 'deploy/web/deploy.yaml': deployment('web', { namespace: 'shop', replicas: 3 }) });
    await sendWebhook(t.server, 'pull_request', forkPayload('opened', head));
    await t.server.scheduler.idle();
    expect(t.fake.checks[0]).toMatchObject({ conclusion: 'action_required' });
    const rerequested = { action: 'rerequested', check_run: { id: t.fake.checks[0]!.id, name: 'safe-deploy', head_sha: head, pull_requests: [] }, repository: { id: 1, name: REPO, full_name: `${OWNER}/${REPO}`, owner: { login: OWNER }, html_url: `https://github.com/${OWNER}/${REPO}` }, installation: { id: INSTALLATION } };
    t.fake.commitPulls[head] = [1];
    await sendWebhook(t.server, 'check_run', rerequested);
    await t.server.scheduler.idle();
    expect(thread()[0]!.body).toContain('+  replicas: 3');
    expect(t.fake.checks.at(-1)).toMatchObject({ head_sha: head, conclusion: 'success' });
  });

  it('without forks: on-rerun a fork is reviewed at once, its config read from the t.base only', async () => {
    const head = t.repo.pushHead(t.base, 'refs/pull/1/head', { 'deploy/web/deploy.yaml': deployment('web', { namespace: 'shop', replicas: 3 }) });
    t.fake.filesAt[head] = { '.safe-deploy.yml': 'forks: on-rerun\n' };
    await sendWebhook(t.server, 'pull_request', forkPayload('opened', head));
    await t.server.scheduler.idle();
    expect(thread()[0]!.body).toContain('+  replicas: 3');
    expect(t.fake.checks.at(-1)).toMatchObject({ head_sha: head, conclusion: 'success' });
    // No reviews: in the config, no approvals check.
    expect(t.fake.checks.map((c) => c.name)).toEqual(['safe-deploy']);
  });
});
