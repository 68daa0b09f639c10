// Fork pull requests on GitHub with `forks: on-rerun` in the base branch's config:
// signed webhooks into the real server against a stateful GitHub. Nothing of a
// fork's head is fetched or rendered until someone with write access asks.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TestRepo } from '../helpers/git-repo.js';
import { pullRequestPayload, sendWebhook, startGitHubServer, type TestServer } from '../helpers/github.js';
import { deployment } from '../helpers/manifests.js';
import { FakeGitHub, INSTALLATION, OWNER, REPO } from '../fakes/github.js';
import { strictNock } from '../fakes/nock.js';

let repo: TestRepo;
let server: TestServer;
let github: FakeGitHub;
let cacheDir: string;
let base: string;

strictNock({ loopback: true });
beforeEach(async () => {
  repo = new TestRepo();
  base = repo.commit({ 'deploy/web/deploy.yaml': deployment('web', { namespace: 'shop' }) });
  github = new FakeGitHub();
  cacheDir = mkdtempSync(join(tmpdir(), 'safe-deploy-forks-'));
  server = await startGitHubServer({ cacheDir });
});
afterEach(async () => {
  await server.close();
  repo.dispose();
  rmSync(cacheDir, { recursive: true, force: true });
});

/** A pull request whose head branch lives in the fork `contributor/gitops` (repository id 2). */
function forkPayload(action: string, head: string): { action: string; pull_request: { head: { repo: object } } } {
  const payload = pullRequestPayload(action, repo.dir, 1, base, head) as { action: string; pull_request: { head: { repo: object }; base: object } };
  payload.pull_request.head.repo = { id: 2, name: REPO, full_name: `contributor/${REPO}`, owner: { login: 'contributor' } };
  github.pulls[1] = payload.pull_request;
  return payload;
}

const comment = (body: string, login: string, id: number) => ({
  action: 'created',
  issue: { number: 1, pull_request: { url: 'x' } },
  comment: { id, body, user: { login, type: 'User' }, performed_via_github_app: null },
  repository: { id: 1, name: REPO, full_name: `${OWNER}/${REPO}`, owner: { login: OWNER }, html_url: `https://github.com/${OWNER}/${REPO}` },
  installation: { id: INSTALLATION },
});

/** The bare mirrors the server fetched code into (one per repository, `<hash>.git` in its cache directory). */
const mirrored = () => readdirSync(cacheDir).filter((name) => name.endsWith('.git'));
const thread = () => github.thread(1);

describe('fork pull requests under forks: on-rerun', () => {
  it('wait for a maintainer: no fetch, an action-required check and a comment; a reader cannot start or peek; a writer’s rerun reviews; a new push waits again', async () => {
    github.filesAt[base] = { '.safe-deploy.yml': 'forks: on-rerun\n' };
    const head = repo.pushHead(base, 'refs/pull/1/head', { 'deploy/web/deploy.yaml': deployment('web', { namespace: 'shop', image: 'nginx:latest' }) });
    // The fork's own config asks for automatic reviews: it is never read for the gate.
    github.filesAt[head] = { '.safe-deploy.yml': 'forks: automatic\n' };
    expect((await sendWebhook(server, 'pull_request', forkPayload('opened', head))).status).toBe(200);
    await server.scheduler.idle();
    expect(github.checks).toEqual([expect.objectContaining({ head_sha: head, status: 'completed', conclusion: 'action_required', output: expect.objectContaining({ title: 'Fork pull request: waiting for a maintainer' }) })]);
    expect(thread()).toHaveLength(1);
    expect(thread()[0]!.body).toMatch(/^<!-- safe-deploy:review -->\n## ⏸️ safe-deploy: Fork pull request: waiting for a maintainer\n/);
    expect(thread()[0]!.body).toContain(`Head \`${head}\` has not been fetched or rendered.`);
    expect(mirrored()).toEqual([]);
    expect(github.calls.filter((c) => c.includes('/contents/'))).toEqual([`GET /repos/${OWNER}/${REPO}/contents/.safe-deploy.yml`]);

    // A reader (the fork's author) can neither start a review nor make one through show.
    github.roles.contributor = 'read';
    await sendWebhook(server, 'issue_comment', comment('/safe-deploy rerun', 'contributor', 901));
    await sendWebhook(server, 'issue_comment', comment('/safe-deploy show Deployment/web', 'contributor', 902));
    await server.scheduler.idle();
    const replies = thread().slice(1).map((c) => c.body);
    expect(replies[0]).toContain('needs write access to the repository, and you have read access');
    expect(replies[1]).toContain(`\`/safe-deploy show\` could not run: this fork's head ${head.slice(0, 12)} waits for a maintainer's /safe-deploy rerun; nothing of it is rendered before`);
    expect(mirrored()).toEqual([]);
    expect(github.checks).toHaveLength(1);

    // A maintainer's rerun reviews the head: the comment becomes the review.
    github.roles.maintainer = 'maintain';
    await sendWebhook(server, 'issue_comment', comment('/safe-deploy rerun', 'maintainer', 903));
    await server.scheduler.idle();
    expect(thread()[0]!.body).toMatch(new RegExp(`^<!-- safe-deploy:review -->\\n<!-- safe-deploy:head ${head} -->\\n## ❌ safe-deploy: this merge is blocked`));
    expect(thread()[0]!.body).toContain('+          image: nginx:latest');
    expect(github.checks.at(-1)).toMatchObject({ head_sha: head, status: 'completed', conclusion: 'failure' });
    expect(mirrored()).toHaveLength(1);

    // Now the head has a review, a reader may look into it.
    await sendWebhook(server, 'issue_comment', comment('/safe-deploy show Deployment/web', 'contributor', 904));
    await server.scheduler.idle();
    expect(thread().at(-1)!.body).toContain('+          image: nginx:latest');

    // A review of the pull request asks the approvals again: the head reviewed stays reviewed, it does not wait anew.
    const checks = github.checks.length;
    await sendWebhook(server, 'pull_request_review', { ...forkPayload('submitted', head), review: { id: 1, state: 'approved' } });
    await server.scheduler.idle();
    expect(thread()[0]!.body).toMatch(new RegExp(`^<!-- safe-deploy:review -->\\n<!-- safe-deploy:head ${head} -->\\n## ❌ safe-deploy: this merge is blocked`));
    expect(github.checks.slice(checks).map((c) => [c.name, c.conclusion])).toEqual([['safe-deploy', 'failure']]);

    // The fork pushes again: that head waits, and the comment no longer speaks for an unreviewed head.
    const next = repo.pushHead(head, 'refs/pull/1/head', { 'deploy/web/deploy.yaml': deployment('web', { namespace: 'shop', image: 'nginx:1.27' }) });
    await sendWebhook(server, 'pull_request', forkPayload('synchronize', next));
    await server.scheduler.idle();
    expect(github.checks.at(-1)).toMatchObject({ head_sha: next, status: 'completed', conclusion: 'action_required' });
    expect(thread()[0]!.body).toContain(`Head \`${next}\` has not been fetched or rendered.`);
    expect(thread()[0]!.body).not.toContain('nginx');
  });

  it('a check re-run (only writers can) is a maintainer’s go-ahead', async () => {
    github.filesAt[base] = { '.safe-deploy.yml': 'forks: on-rerun\n' };
    const head = repo.pushHead(base, 'refs/pull/1/head', { 'deploy/web/deploy.yaml': deployment('web', { namespace: 'shop', replicas: 3 }) });
    await sendWebhook(server, 'pull_request', forkPayload('opened', head));
    await server.scheduler.idle();
    expect(github.checks[0]).toMatchObject({ conclusion: 'action_required' });
    const rerequested = { action: 'rerequested', check_run: { id: github.checks[0]!.id, name: 'safe-deploy', head_sha: head, pull_requests: [] }, repository: { id: 1, name: REPO, full_name: `${OWNER}/${REPO}`, owner: { login: OWNER }, html_url: `https://github.com/${OWNER}/${REPO}` }, installation: { id: INSTALLATION } };
    github.commitPulls[head] = [1];
    await sendWebhook(server, 'check_run', rerequested);
    await server.scheduler.idle();
    expect(thread()[0]!.body).toContain('+  replicas: 3');
    expect(github.checks.at(-1)).toMatchObject({ head_sha: head, conclusion: 'success' });
  });

  it('without forks: on-rerun a fork is reviewed at once, its config read from the base only', async () => {
    const head = repo.pushHead(base, 'refs/pull/1/head', { 'deploy/web/deploy.yaml': deployment('web', { namespace: 'shop', replicas: 3 }) });
    github.filesAt[head] = { '.safe-deploy.yml': 'forks: on-rerun\n' };
    await sendWebhook(server, 'pull_request', forkPayload('opened', head));
    await server.scheduler.idle();
    expect(thread()[0]!.body).toContain('+  replicas: 3');
    expect(github.checks.at(-1)).toMatchObject({ head_sha: head, conclusion: 'success' });
    // No reviews: in the config, no approvals check.
    expect(github.checks.map((c) => c.name)).toEqual(['safe-deploy']);
  });
});
