import { readFileSync } from 'node:fs';
import nock from 'nock';
import { parse } from 'yaml';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TestRepo } from '../helpers/git-repo.js';
import { offlineExceptLoopback } from '../helpers/server.js';
import { API, INSTALLATION, OWNER, REPO, pullRequestPayload, sendWebhook, startGitHubServer, type TestServer } from '../helpers/github.js';
import { deployment } from '../helpers/manifests.js';

const repoPath = `/repos/${OWNER}/${REPO}`;
const APP_ID = 1234;
let repo: TestRepo;
let server: TestServer;
let base: string;
let head: string;

/** A stateful GitHub: the thread, reactions, check runs and permissions, as a real one would keep them. */
interface FakeGitHub {
  comments: Array<{ id: number; body: string; user: { login: string; type: string }; performed_via_github_app: { id: number } | null }>;
  reactions: string[];
  conclusions: string[];
  titles: string[];
  permissions: Record<string, { permission: string; role_name: string }>;
}

function fakeGitHub(pr: object, config?: string): FakeGitHub {
  const state: FakeGitHub = { comments: [], reactions: [], conclusions: [], titles: [], permissions: {} };
  let nextId = 100;
  nock(API)
    .persist()
    .post(`/app/installations/${INSTALLATION}/access_tokens`)
    .reply(201, { token: 'ghs_test', expires_at: '2099-01-01T00:00:00Z', permissions: {} })
    .get(`${repoPath}/pulls/1`)
    .reply(200, pr)
    .get(/\/collaborators\/[^/]+\/permission$/)
    .reply((uri) => {
      const user = uri.split('/').slice(-2)[0]!;
      const p = state.permissions[user];
      return p ? [200, { permission: p.permission, role_name: p.role_name, user: { login: user } }] : [404, { message: 'Not Found' }];
    })
    .get(new RegExp(`${repoPath}/contents/\\.safe-deploy\\.yml`))
    .query(true)
    .reply(() => (config ? [200, { content: Buffer.from(config).toString('base64'), encoding: 'base64' }] : [404, { message: 'Not Found' }]))
    .post(/\/issues\/comments\/\d+\/reactions$/)
    .reply(201, (_uri, body) => {
      state.reactions.push((body as { content: string }).content);
      return {};
    })
    .get(`${repoPath}/issues/1/comments`)
    .query(true)
    .reply(200, () => state.comments)
    .post(`${repoPath}/issues/1/comments`)
    .reply(201, (_uri, body) => {
      const comment = { id: nextId++, body: (body as { body: string }).body, user: { login: 'safe-deploy[bot]', type: 'Bot' }, performed_via_github_app: { id: APP_ID } };
      state.comments.push(comment);
      return comment;
    })
    .patch(/\/issues\/comments\/\d+$/)
    .reply(200, (uri, body) => {
      const comment = state.comments.find((c) => c.id === Number(uri.split('/').pop()));
      if (comment) comment.body = (body as { body: string }).body;
      return {};
    })
    .post(`${repoPath}/check-runs`)
    .reply(201, () => ({ id: nextId++ }))
    .patch(/\/check-runs\/\d+$/)
    .reply(200, (_uri, body) => {
      const b = body as { conclusion?: string; output?: { title: string } };
      if (b.conclusion) {
        state.conclusions.push(b.conclusion);
        state.titles.push(b.output?.title ?? '');
      }
      return {};
    });
  return state;
}

function commentEvent(body: string, user = 'dev', extra: object = {}): object {
  return {
    action: 'created',
    issue: { number: 1, pull_request: { url: 'x' } },
    comment: { id: 555, body, user: { login: user, type: 'User' }, performed_via_github_app: null },
    repository: { name: REPO, owner: { login: OWNER } },
    installation: { id: INSTALLATION },
    ...extra,
  };
}

const replies = (state: FakeGitHub) => state.comments.filter((c) => !c.body.includes('<!-- safe-deploy:review -->')).map((c) => c.body);
const mainComment = (state: FakeGitHub) => state.comments.find((c) => c.body.includes('<!-- safe-deploy:review -->'))?.body ?? '';

offlineExceptLoopback();
beforeEach(async () => {
  repo = new TestRepo();
  base = repo.commit({ 'deploy/web/deploy.yaml': deployment('web', { namespace: 'shop' }) });
  head = repo.pushHead(base, 'refs/pull/1/head', { 'deploy/web/deploy.yaml': deployment('web', { namespace: 'shop', image: 'nginx:latest' }) });
  server = await startGitHubServer();
});
afterEach(async () => {
  await server.close();
  repo.dispose();
  nock.cleanAll();
});

const pr = () => (pullRequestPayload('opened', repo.dir, 1, base, head) as { pull_request: object }).pull_request;

async function comment(body: string, user = 'dev', extra: object = {}): Promise<void> {
  await sendWebhook(server, 'issue_comment', commentEvent(body, user, extra));
  await server.scheduler.idle();
}

describe('slash-commands on GitHub', () => {
  it('help: lists the commands and who may override, with 👀 then 👍', async () => {
    const state = fakeGitHub(pr(), 'commands:\n  override: ["@acme/sre", admin]\n');
    await comment('/safe-deploy help');
    expect(replies(state)).toHaveLength(1);
    expect(replies(state)[0]).toContain('| `/safe-deploy override <rule-id> [<Kind>/<name>] -- <reason>` | accept a failing rule for this commit, on record | &#64;acme/sre, or admin permission or higher |');
    expect(state.reactions).toEqual(['eyes', '+1']);
  });

  it('rerun: refused politely without write access, runs the review with it', async () => {
    const state = fakeGitHub(pr());
    state.permissions.reader = { permission: 'read', role_name: 'triage' };
    state.permissions.writer = { permission: 'write', role_name: 'write' };
    await comment('/safe-deploy rerun', 'reader');
    expect(replies(state)).toEqual(['@reader, sorry: `/safe-deploy rerun` needs write access to the repository, and you have read access.']);
    expect(state.reactions).toEqual(['eyes', '-1']);
    expect(state.conclusions).toEqual([]);
    await comment('/safe-deploy diff', 'writer');
    expect(state.conclusions).toEqual(['failure']);
    expect(mainComment(state)).toContain('+          image: nginx:latest');
  });

  it('show: the full diff of one object; explain: a rule; unknown: a pointer to help', async () => {
    const state = fakeGitHub(pr());
    await comment('/safe-deploy show deployment/web\n/safe-deploy explain image-tag-mutable\n/safe-deploy frobnicate');
    const [shown, explained, unknown] = replies(state);
    expect(shown).toMatch(/^#### update <code>Deployment shop\/web<\/code> in <code>deploy\/web<\/code>/);
    expect(shown).toContain('+          image: nginx:latest');
    expect(explained).toMatch(/^### <code>image-tag-mutable<\/code> — error by default/);
    expect(unknown).toBe("I don't know `/safe-deploy frobnicate`; `/safe-deploy help` lists the commands.");
    expect(state.reactions).toEqual(['eyes', '-1']);
  });

  it('override: needs a reason and the permission; once recorded, the check turns green until the next push', async () => {
    const state = fakeGitHub(pr());
    state.permissions.writer = { permission: 'write', role_name: 'write' };
    state.permissions.lead = { permission: 'write', role_name: 'maintain' };
    await comment('/safe-deploy override image-tag-mutable', 'lead');
    expect(replies(state).pop()).toMatch(/^An override needs a rule and a reason/);
    await comment('/safe-deploy override image-tag-mutable -- hotfix', 'writer');
    expect(replies(state).pop()).toBe('@writer, sorry: `/safe-deploy override image-tag-mutable` needs maintain permission or higher, and you have write access.');
    expect(state.conclusions).toEqual([]);

    await comment('/safe-deploy override image-tag-mutable Deployment/web -- hotfix for the outage, pinned in #42', 'lead');
    expect(replies(state).pop()).toMatch(/^Override recorded: <code>image-tag-mutable<\/code> on <code>Deployment\/web<\/code> for <code>[0-9a-f]{12}<\/code>, by @lead: hotfix for the outage, pinned in #42/);
    expect(state.conclusions).toEqual(['success']);
    expect(state.titles).toEqual(['1 overridden by lead']);
    expect(mainComment(state)).toContain('### Overrides');
    expect(mainComment(state)).toContain('~~error~~ overridden');

    await comment('/safe-deploy overrides');
    expect(replies(state).pop()).toContain('| <code>image-tag-mutable</code> | <code>Deployment/web</code> | @lead | hotfix for the outage, pinned in #42 |');

    // A new push: the override was for the old head.
    const next = repo.pushHead(head, 'refs/pull/1/head', { 'deploy/web/deploy.yaml': deployment('web', { namespace: 'shop', image: 'nginx:latest', replicas: 3 }) });
    await sendWebhook(server, 'pull_request', pullRequestPayload('synchronize', repo.dir, 1, base, next));
    await server.scheduler.idle();
    expect(state.conclusions).toEqual(['success', 'failure']);
    expect(mainComment(state)).not.toContain('### Overrides');
  });

  it('override by an @org/team entry: authorized through the team membership API, which app.yml grants', async () => {
    const manifest = parse(readFileSync(new URL('../../app.yml', import.meta.url), 'utf8')) as { default_permissions: Record<string, string> };
    expect(manifest.default_permissions.members).toBe('read');
    const state = fakeGitHub(pr(), 'commands:\n  override: ["@acme/sre"]\n');
    state.permissions.oncall = { permission: 'write', role_name: 'write' };
    state.permissions.outsider = { permission: 'write', role_name: 'write' };
    const asked: string[] = [];
    nock(API)
      .persist()
      .get(/^\/orgs\/acme\/teams\/sre\/memberships\/[^/]+$/)
      .reply((uri) => {
        const user = uri.split('/').pop()!;
        asked.push(user);
        return user === 'oncall' ? [200, { state: 'active', role: 'member' }] : [404, { message: 'Not Found' }];
      });
    await comment('/safe-deploy override image-tag-mutable -- pinned by the release', 'outsider');
    expect(replies(state).pop()).toBe('@outsider, sorry: `/safe-deploy override image-tag-mutable` needs @acme/sre, and you have write access.');
    await comment('/safe-deploy override image-tag-mutable -- pinned by the release', 'oncall');
    expect(replies(state).pop()).toMatch(/^Override recorded: <code>image-tag-mutable<\/code> for <code>[0-9a-f]{12}<\/code>, by @oncall: pinned by the release/);
    expect(asked).toEqual(['outsider', 'oncall']);
    expect(state.conclusions).toEqual(['success']);
  });

  it('ignores commands in code blocks, edited comments, bots and plain issues', async () => {
    const state = fakeGitHub(pr());
    await comment('```\n/safe-deploy help\n```');
    await sendWebhook(server, 'issue_comment', { ...commentEvent('/safe-deploy help'), action: 'edited' });
    await comment('/safe-deploy help', 'renovate[bot]', { comment: { id: 9, body: '/safe-deploy help', user: { login: 'renovate[bot]', type: 'Bot' }, performed_via_github_app: { id: 5 } } });
    await comment('/safe-deploy help', 'dev', { issue: { number: 1 } });
    await server.scheduler.idle();
    expect(state.comments).toEqual([]);
    expect(state.reactions).toEqual([]);
  });
});
