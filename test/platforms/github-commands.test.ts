import { readFileSync } from 'node:fs';
import nock from 'nock';
import { parse } from 'yaml';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TestRepo } from '../helpers/git-repo.js';
import { offlineExceptLoopback } from '../helpers/server.js';
import { OverrideRecords } from '../../src/commands/override-record.js';
import type { Override } from '../../src/core/policy/overrides.js';
import { API, INSTALLATION, OWNER, REPO, WEBHOOK_SECRET, pullRequestPayload, sendWebhook, startGitHubServer, type TestServer } from '../helpers/github.js';
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
    .reply(200, () => pr)
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

const replies = (state: FakeGitHub) => state.comments.filter((c) => !c.body.startsWith('<!-- safe-deploy:review -->')).map((c) => c.body);
const mainComment = (state: FakeGitHub) => state.comments.find((c) => c.body.startsWith('<!-- safe-deploy:review -->'))?.body ?? '';

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

async function pullRequest(action: string, sha = head): Promise<void> {
  await sendWebhook(server, 'pull_request', pullRequestPayload(action, repo.dir, 1, base, sha));
  await server.scheduler.idle();
}

async function comment(body: string, user = 'dev', extra: object = {}): Promise<void> {
  await sendWebhook(server, 'issue_comment', commentEvent(body, user, extra));
  await server.scheduler.idle();
}

describe('slash-commands on GitHub', () => {
  it('help: lists the commands and who may override, with 👀 then 👍', async () => {
    const state = fakeGitHub(pr(), 'commands:\n  override: ["@acme/sre", admin]\n');
    await comment('/safe-deploy help');
    expect(replies(state)).toHaveLength(1);
    expect(replies(state)[0]).toContain('| `/safe-deploy override <rule-id> [<Kind>/<name>] -- <reason>` | accept a failing rule for this commit, on record | <code>&#64;</code>acme/sre, or admin permission or higher |');
    expect(state.reactions).toEqual(['eyes', '+1']);
  });

  it('rerun: refused politely without write access, runs the review with it', async () => {
    const state = fakeGitHub(pr());
    state.permissions.reader = { permission: 'read', role_name: 'triage' };
    state.permissions.writer = { permission: 'write', role_name: 'write' };
    await comment('/safe-deploy rerun', 'reader');
    expect(replies(state)).toEqual(['@reader, sorry: <code>/safe-deploy rerun</code> needs write access to the repository, and you have read access.']);
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
    expect(unknown).toBe("I don't know <code>/safe-deploy frobnicate</code>; `/safe-deploy help` lists the commands.");
    expect(state.reactions).toEqual(['eyes', '-1']);
  });

  it('override: needs a reason and the permission; once recorded, the check turns green until the next push', async () => {
    const state = fakeGitHub(pr());
    state.permissions.writer = { permission: 'write', role_name: 'write' };
    state.permissions.lead = { permission: 'write', role_name: 'maintain' };
    await pullRequest('opened');
    expect(state.conclusions).toEqual(['failure']);
    await comment('/safe-deploy override image-tag-mutable', 'lead');
    expect(replies(state).pop()).toMatch(/^An override needs a rule and a reason/);
    await comment('/safe-deploy override image-tag-mutable -- hotfix', 'writer');
    expect(replies(state).pop()).toBe('@writer, sorry: <code>/safe-deploy override image-tag-mutable</code> needs maintain permission or higher, and you have write access.');
    expect(state.conclusions).toEqual(['failure']);

    await comment('/safe-deploy override image-tag-mutable Deployment/web -- hotfix for the outage, pinned in #42', 'lead');
    expect(replies(state).pop()).toMatch(/^Override recorded: <code>image-tag-mutable<\/code> on <code>Deployment\/web<\/code> for <code>[0-9a-f]{12}<\/code>, by @lead: hotfix for the outage, pinned in <code>&#35;<\/code>42\n\nIt holds until the next push\.\n<!-- safe-deploy:override [\w-]+\.[\w-]{43} -->$/);
    expect(state.conclusions).toEqual(['failure', 'success']);
    expect(state.titles).toEqual(['1 error', '1 overridden by lead']);
    expect(mainComment(state)).toContain('### Overrides');
    expect(mainComment(state)).toContain('~~error~~ overridden');

    await comment('/safe-deploy overrides');
    expect(replies(state).pop()).toContain('| <code>image-tag-mutable</code> | <code>Deployment/web</code> | lead | hotfix for the outage, pinned in <code>&#35;</code>42 |');

    // A new push: the override was for the old head.
    const next = repo.pushHead(head, 'refs/pull/1/head', { 'deploy/web/deploy.yaml': deployment('web', { namespace: 'shop', image: 'nginx:latest', replicas: 3 }) });
    await sendWebhook(server, 'pull_request', pullRequestPayload('synchronize', repo.dir, 1, base, next));
    await server.scheduler.idle();
    expect(state.conclusions).toEqual(['failure', 'success', 'failure']);
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
    await pullRequest('opened');
    await comment('/safe-deploy override image-tag-mutable -- pinned by the release', 'outsider');
    expect(replies(state).pop()).toBe('@outsider, sorry: <code>/safe-deploy override image-tag-mutable</code> needs <code>&#64;</code>acme/sre, and you have write access.');
    await comment('/safe-deploy override image-tag-mutable -- pinned by the release', 'oncall');
    expect(replies(state).pop()).toMatch(/^Override recorded: <code>image-tag-mutable<\/code> for <code>[0-9a-f]{12}<\/code>, by @oncall: pinned by the release/);
    expect(asked).toEqual(['outsider', 'oncall']);
    expect(state.conclusions).toEqual(['failure', 'success']);
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

describe('forged overrides on GitHub', () => {
  const signed = new OverrideRecords(WEBHOOK_SECRET);
  const MR = `${OWNER}/${REPO}#1`;
  const recordLine = (override: Override) => signed.confirmation(override, MR).split('\n').pop()!;
  const forgedLine = (override: Override) => `<!-- safe-deploy:override ${Buffer.from(JSON.stringify(override)).toString('base64url')}.${'A'.repeat(43)} -->`;
  const grant = (sha: string): Override => ({ rule: 'image-tag-mutable', sha, by: 'cto', reason: 'approved', at: '2026-11-28T00:00:00Z' });

  it('a record echoed by a refusal, forged or copied, never turns the check green; the reply carries no HTML comment', async () => {
    const state = fakeGitHub(pr());
    state.permissions.reader = { permission: 'read', role_name: 'read' };
    await pullRequest('opened');
    await comment(`/safe-deploy rerun ${forgedLine(grant(head))} ${recordLine(grant(head))}`, 'reader');
    const refusal = replies(state).pop()!;
    expect(refusal).toMatch(/^@reader, sorry: <code>\/safe-deploy rerun &lt;!-- safe-deploy:override /);
    expect(refusal).not.toContain('<!--');
    await pullRequest('closed');
    await pullRequest('reopened');
    expect(state.conclusions).toEqual(['failure', 'failure']);
    expect(state.titles.pop()).toBe('1 error');
  });

  it('a genuinely signed record inside a reviewed diff, or pasted whole by a person, is not an override', async () => {
    const state = fakeGitHub(pr());
    // The attacker prepares the commit they will force-push, then a commit whose ConfigMap carries a record for it.
    const later = repo.pushHead(base, 'refs/attack/later', { 'deploy/web/deploy.yaml': deployment('web', { namespace: 'shop', image: 'nginx:latest' }) });
    const carrier = repo.pushHead(base, 'refs/pull/1/head', {
      'deploy/web/deploy.yaml': deployment('web', { namespace: 'shop', image: 'nginx:latest' }),
      'deploy/web/note.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: note, namespace: shop}\ndata:\n  note: |\n${signed.confirmation(grant(later), MR).split('\n').map((l) => `    ${l}`).join('\n')}\n`,
    });
    await pullRequest('opened', carrier);
    expect(mainComment(state)).toContain('safe-deploy:override');
    // A person pastes a whole confirmation signed for the head as well.
    state.comments.push({ id: 1, body: signed.confirmation(grant(later), MR), user: { login: 'mallory', type: 'User' }, performed_via_github_app: null });
    repo.git('update-ref', 'refs/pull/1/head', later);
    await pullRequest('synchronize', later);
    expect(state.conclusions).toEqual(['failure', 'failure']);
    expect(mainComment(state)).not.toContain('### Overrides');
  });

  it('a bot reply that quotes the review marker is never taken for the review comment', async () => {
    const marked = repo.pushHead(base, 'refs/pull/1/head', {
      'deploy/web/deploy.yaml': deployment('web', { namespace: 'shop', image: 'nginx:latest' }),
      'deploy/web/marker.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: marker, namespace: shop}\ndata:\n  x: |\n    <!-- safe-deploy:review -->\n',
    });
    const state = fakeGitHub({ ...pr(), head: { ...(pr() as { head: object }).head, sha: marked } });
    await pullRequest('opened', marked);
    await comment('/safe-deploy show ConfigMap/marker');
    const shown = replies(state).pop()!;
    expect(shown).toContain('<!-- safe-deploy:review -->');
    const next = repo.pushHead(marked, 'refs/pull/1/head', { 'deploy/web/deploy.yaml': deployment('web', { namespace: 'shop', image: 'nginx:1.27' }) });
    await pullRequest('synchronize', next);
    // The show reply is untouched; the one review comment now describes the new head.
    expect(state.comments.map((c) => c.body)).toContain(shown);
    expect(state.comments.filter((c) => c.body.startsWith('<!-- safe-deploy:review -->'))).toHaveLength(1);
    expect(mainComment(state)).toContain(`<!-- safe-deploy:head ${next} -->`);
  });

  it('an override for a head that moved since the posted review is refused', async () => {
    const pull = pr() as { head: { sha: string } };
    const state = fakeGitHub(pull);
    state.permissions.lead = { permission: 'write', role_name: 'maintain' };
    await comment('/safe-deploy override image-tag-mutable -- hotfix', 'lead');
    expect(replies(state).pop()).toBe(`Override refused: there is no review of <code>${head.slice(0, 12)}</code> yet; review it and override again.`);
    await pullRequest('opened');
    const next = repo.pushHead(head, 'refs/pull/1/head', { 'deploy/web/deploy.yaml': deployment('web', { namespace: 'shop', image: 'nginx:latest', replicas: 5 }) });
    pull.head.sha = next;
    await comment('/safe-deploy override image-tag-mutable -- hotfix', 'lead');
    expect(replies(state).pop()).toBe(`Override refused: the head changed to <code>${next.slice(0, 12)}</code>; review it and override again.`);
    expect(state.conclusions).toEqual(['failure']);
  });
});

describe('record keys', () => {
  it('the server refuses to start without a webhook secret, or with a short record key', async () => {
    await expect(startGitHubServer({ env: { WEBHOOK_SECRET: '' } })).rejects.toThrow('WEBHOOK_SECRET is not set: webhooks must be signed with a secret of your own');
    await expect(startGitHubServer({ env: { SAFE_DEPLOY_RECORD_KEY: 'short' } })).rejects.toThrow('SAFE_DEPLOY_RECORD_KEY must be at least 32 characters');
  });
});
