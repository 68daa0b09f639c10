import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TestRepo } from '../helpers/git-repo.js';
import { offlineExceptLoopback } from '../helpers/server.js';
import { GITLAB, mergeRequestHook, PROJECT, sendHook, startGitLabServer, type TestServer } from '../helpers/gitlab.js';
import { deployment } from '../helpers/manifests.js';

const api = `/api/v4/projects/${PROJECT}`;
const BOT = 99;
let repo: TestRepo;
let server: TestServer;
let base: string;
let head: string;

interface FakeGitLab {
  notes: Array<{ id: number; body: string; system: boolean; author: { id: number; username: string } }>;
  emojis: string[];
  statuses: string[];
  members: Record<number, number>;
}

function fakeGitLab(config?: string): FakeGitLab {
  const state: FakeGitLab = { notes: [], emojis: [], statuses: [], members: {} };
  let nextId = 100;
  nock(GITLAB)
    .persist()
    .get('/api/v4/user')
    .reply(200, { id: BOT, username: 'safe-deploy-bot' })
    .get(`${api}/merge_requests/1`)
    .reply(200, () => ({ iid: 1, diff_refs: { base_sha: base, head_sha: head }, head_pipeline: null }))
    .get(/\/members\/all\/\d+$/)
    .reply((uri) => {
      const level = state.members[Number(uri.split('/').pop())];
      return level ? [200, { id: 1, access_level: level }] : [404, { message: '404 Not found' }];
    })
    .get(new RegExp(`${api}/repository/files/\\.safe-deploy\\.yml/raw`))
    .query(true)
    .reply(() => (config ? [200, config] : [404, { message: '404 File Not Found' }]))
    .post(/\/notes\/\d+\/award_emoji$/)
    .reply(201, (_uri, body) => {
      state.emojis.push((body as { name: string }).name);
      return {};
    })
    .get(`${api}/merge_requests/1/notes`)
    .query(true)
    .reply(200, () => state.notes)
    .post(`${api}/merge_requests/1/notes`)
    .reply(201, (_uri, body) => {
      const note = { id: nextId++, body: (body as { body: string }).body, system: false, author: { id: BOT, username: 'safe-deploy-bot' } };
      state.notes.push(note);
      return note;
    })
    .put(/\/merge_requests\/1\/notes\/\d+$/)
    .reply(200, (uri, body) => {
      const note = state.notes.find((n) => n.id === Number(uri.split('/').pop()));
      if (note) note.body = (body as { body: string }).body;
      return {};
    })
    .post(new RegExp(`${api}/statuses/[0-9a-f]+$`))
    .reply(201, (_uri, body) => {
      state.statuses.push((body as { state: string }).state);
      return {};
    });
  return state;
}

function noteHook(note: string, user = { id: 7, username: 'dev' }, attributes: object = {}): object {
  return {
    object_kind: 'note',
    user,
    project: { id: PROJECT, path_with_namespace: 'acme/gitops', web_url: `${GITLAB}/acme/gitops`, git_http_url: repo.dir },
    object_attributes: { id: 42, note, noteable_type: 'MergeRequest', action: 'create', system: false, ...attributes },
    merge_request: { iid: 1, target_branch: 'main', target_project_id: PROJECT, last_commit: { id: head } },
  };
}

async function note(text: string, user?: { id: number; username: string }, attributes?: object): Promise<void> {
  await sendHook(server, 'Note Hook', noteHook(text, user, attributes));
  await server.scheduler.idle();
}

const replies = (state: FakeGitLab) => state.notes.filter((n) => !n.body.startsWith('<!-- safe-deploy:review -->')).map((n) => n.body);

async function opened(): Promise<void> {
  await sendHook(server, 'Merge Request Hook', mergeRequestHook('open', repo.dir, 1, head, { diffRefs: { base_sha: base, head_sha: head } }));
  await server.scheduler.idle();
}

offlineExceptLoopback();
beforeEach(async () => {
  repo = new TestRepo();
  base = repo.commit({ 'deploy/web/deploy.yaml': deployment('web', { namespace: 'shop' }) });
  head = repo.pushHead(base, 'refs/merge-requests/1/head', { 'deploy/web/deploy.yaml': deployment('web', { namespace: 'shop', image: 'nginx:latest' }) });
  server = await startGitLabServer();
});
afterEach(async () => {
  await server.close();
  repo.dispose();
  nock.cleanAll();
});

describe('slash-commands on GitLab', () => {
  it('help with award emoji', async () => {
    const state = fakeGitLab();
    await note('/safe-deploy help');
    expect(replies(state)[0]).toMatch(/^\*\*safe-deploy commands\*\*/);
    expect(state.emojis).toEqual(['eyes', 'thumbsup']);
  });

  it('override: refused for a Developer, recorded for a Maintainer (inherited), then the status turns green', async () => {
    const state = fakeGitLab();
    state.members[7] = 30;
    state.members[8] = 40;
    await opened();
    await note('/safe-deploy override image-tag-mutable -- known hotfix', { id: 7, username: 'dev' });
    expect(replies(state).pop()).toBe('@dev, sorry: <code>/safe-deploy override image-tag-mutable</code> needs maintain permission or higher, and you have write access.');
    expect(state.emojis).toEqual(['eyes', 'thumbsdown']);
    await note('/safe-deploy override image-tag-mutable -- known hotfix', { id: 8, username: 'lead' });
    expect(replies(state).pop()).toMatch(/^Override recorded: <code>image-tag-mutable<\/code> for <code>[0-9a-f]{12}<\/code>, by @lead: known hotfix/);
    expect(state.statuses).toEqual(['running', 'failed', 'running', 'success']);
  });

  it('rerun for write access; ignores the bot itself, edited notes and notes on issues', async () => {
    const state = fakeGitLab();
    state.members[7] = 30;
    await note('/safe-deploy rerun', { id: 7, username: 'dev' });
    expect(state.statuses).toEqual(['running', 'failed']);
    await note('/safe-deploy help', { id: BOT, username: 'safe-deploy-bot' });
    await note('/safe-deploy help', undefined, { action: 'update' });
    await note('/safe-deploy help', undefined, { noteable_type: 'Issue' });
    expect(replies(state)).toEqual([]);
  });
});

describe('forged overrides on GitLab', () => {
  it('a record echoed by a refusal never turns the status green; the reply carries no HTML comment', async () => {
    const state = fakeGitLab();
    state.members[9] = 20;
    await opened();
    const forged = `<!-- safe-deploy:override ${Buffer.from(JSON.stringify({ rule: 'image-tag-mutable', sha: head, by: 'cto', reason: 'ok', at: 'x' })).toString('base64url')} -->`;
    await note(`/safe-deploy rerun ${forged}`, { id: 9, username: 'reporter' });
    const refusal = replies(state).pop()!;
    expect(refusal).toMatch(/^@reporter, sorry: <code>\/safe-deploy rerun &lt;!-- safe-deploy:override /);
    expect(refusal).not.toContain('<!--');
    await opened();
    expect(state.statuses).toEqual(['running', 'failed', 'running', 'failed']);
  });
});
