// Contract of the GitLab adapter: a hook becomes the right neutral event (or an
// HTTP answer), and its session makes the right API calls against a stateful
// GitLab (test/fakes/gitlab.ts). Retries stay on without waiting (an injected
// sleep). What the bot does with the events is test/bot.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Gitlab } from '@gitbeaker/rest';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Bot } from '../../src/bot/bot.js';
import type { CommandEvent, MergeRequestEvent, ReviewEvent } from '../../src/bot/events.js';
import { GITLAB_WEBHOOK_PATH, gitlabDispatcher, gitlabReviewKey, gitlabWebhookHandler } from '../../src/platforms/gitlab/webhook.js';
import { Metrics } from '../../src/server/metrics.js';
import { BOT_USER, FakeGitLab, GITLAB, PROJECT } from '../fakes/gitlab.js';
import { strictNock } from '../fakes/nock.js';
import { recordingLog } from '../fakes/bot.js';

const SECRET = 'gitlab-hook-secret';
const BASE = 'a'.repeat(40);
const HEAD = 'b'.repeat(40);
const P = `/api/v4/projects/${PROJECT}`;
const project = { id: PROJECT, path_with_namespace: 'acme/gitops', web_url: `${GITLAB}/acme/gitops`, git_http_url: `${GITLAB}/acme/gitops.git` };

strictNock();

let gitlab: FakeGitLab;
let events: MergeRequestEvent[];
let metrics: Metrics;
let sleeps: number[];
let handler: ReturnType<typeof gitlabWebhookHandler>;

beforeEach(() => {
  gitlab = new FakeGitLab();
  events = [];
  metrics = new Metrics();
  sleeps = [];
  const seen = new Set<string>();
  const bot: Bot = {
    dispatch: (event) => (seen.has(event.delivery) ? 'duplicate' : (seen.add(event.delivery), events.push(event), 'queued')),
    seen: (delivery) => seen.has(delivery) || (seen.add(delivery), false),
    run: async () => [],
    idle: async () => undefined,
  };
  const api = new Gitlab({ host: GITLAB, token: 'glpat-test' });
  const log = recordingLog();
  const deliver = gitlabDispatcher({ api, secret: SECRET, token: 'glpat-test', bot, metrics, log, retry: { sleep: async (ms) => void sleeps.push(ms) } });
  handler = gitlabWebhookHandler({ secret: SECRET, log, deliver });
});

let uuids = 0;
async function post(event: string, payload: object | string, headers: Record<string, string | undefined> = {}, method = 'POST') {
  let status = 0;
  let text = '';
  const res = { headersSent: false, writeHead: (code: number) => ((status = code), { end: (body: string) => (text = body.trim()) }) } as unknown as ServerResponse;
  const req = { url: GITLAB_WEBHOOK_PATH, method, headers: { 'x-gitlab-token': SECRET, 'x-gitlab-event': event, 'x-gitlab-event-uuid': `uuid-${++uuids}`, ...headers } } as unknown as IncomingMessage;
  await handler(req, res, Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload)));
  return `${status} ${text}`;
}

const mergeRequestHook = (action: string, extra: object = {}) => ({
  object_kind: 'merge_request',
  project,
  object_attributes: { iid: 1, action, target_branch: 'main', target_project_id: PROJECT, last_commit: { id: HEAD }, ...extra },
});
const noteHook = (note: string, user = { id: 7, username: 'dev' }, attributes: object = {}) => ({
  object_kind: 'note',
  user,
  project,
  object_attributes: { id: 42, note, noteable_type: 'MergeRequest', action: 'create', system: false, ...attributes },
  merge_request: { iid: 1, target_branch: 'main', target_project_id: PROJECT, last_commit: { id: HEAD } },
});
const apiErrors = async () => (await metrics.registry.metrics()).split('\n').filter((l) => l.startsWith('safe_deploy_api_errors_total{'));

describe('the GitLab webhook', () => {
  it('answers a missing or wrong token, another method, malformed JSON and other events, and processes none', async () => {
    expect(await post('Merge Request Hook', mergeRequestHook('open'), { 'x-gitlab-token': undefined })).toBe('401 bad token');
    expect(await post('Merge Request Hook', mergeRequestHook('open'), { 'x-gitlab-token': 'wrong' })).toBe('401 bad token');
    expect(await post('Merge Request Hook', mergeRequestHook('open'), {}, 'GET')).toBe('405 method not allowed');
    expect(await post('Merge Request Hook', '{not json')).toBe('400 malformed JSON');
    expect(await post('Push Hook', { object_kind: 'push' }, { 'x-gitlab-event-uuid': 'push-1' })).toBe('200 ignored');
    // A redelivery of a hook that made no event is answered like any redelivery.
    expect(await post('Push Hook', { object_kind: 'push' }, { 'x-gitlab-event-uuid': 'push-1' })).toBe('200 already processed');
    expect(await post('Merge Request Hook', mergeRequestHook('close'), { 'x-gitlab-event-uuid': 'close-1' })).toBe('200 ok');
    expect(await post('Merge Request Hook', mergeRequestHook('close'), { 'x-gitlab-event-uuid': 'close-1' })).toBe('200 already processed');
    expect(events).toEqual([]);
    expect(gitlab.calls).toEqual([]);
  });

  it('reviews open, reopen and updates with new commits, once per delivery; other actions are ignored', async () => {
    expect(await post('Merge Request Hook', mergeRequestHook('open'), { 'x-gitlab-event-uuid': 'same' })).toBe('200 ok');
    expect(await post('Merge Request Hook', mergeRequestHook('open'), { 'x-gitlab-event-uuid': 'same' })).toBe('200 already processed');
    expect(await post('Merge Request Hook', mergeRequestHook('reopen'))).toBe('200 ok');
    expect(await post('Merge Request Hook', mergeRequestHook('update', { oldrev: BASE }))).toBe('200 ok');
    // Answered 200 like any hook GitLab need not send again; nothing is dispatched.
    expect(await post('Merge Request Hook', mergeRequestHook('update'))).toMatch(/^200 /);
    expect(await post('Merge Request Hook', mergeRequestHook('close'))).toMatch(/^200 /);
    expect(events.map((e) => [e.kind, (e as ReviewEvent).key])).toEqual(Array(3).fill(['review', 'acme/gitops!1']));
    expect(gitlab.calls).toEqual([]);
  });

  it("names, before dispatch, the merge request a hook reviews (durable mode's web replicas take its generation)", () => {
    expect(gitlabReviewKey('Merge Request Hook', mergeRequestHook('open'))).toBe('acme/gitops!1');
    expect(gitlabReviewKey('Merge Request Hook', mergeRequestHook('update', { oldrev: BASE, iid: 9 }))).toBe('acme/gitops!9');
    expect(gitlabReviewKey('Merge Request Hook', mergeRequestHook('update'))).toBeUndefined();
    for (const action of ['approved', 'unapproved', 'approval', 'unapproval']) expect(gitlabReviewKey('Merge Request Hook', mergeRequestHook(action))).toBe('acme/gitops!1');
    expect(gitlabReviewKey('Merge Request Hook', mergeRequestHook('close'))).toBeUndefined();
    expect(gitlabReviewKey('Note Hook', noteHook('/safe-deploy rerun'))).toBeUndefined();
    expect(gitlabReviewKey('Merge Request Hook', noteHook('/safe-deploy rerun'))).toBeUndefined();
  });

  it('the session: code and head pipeline from the API, statuses on that pipeline, its own notes edited, a same-state status tolerated', async () => {
    gitlab.mergeRequest = { iid: 1, diff_refs: { base_sha: BASE, head_sha: HEAD }, head_pipeline: { id: 77, sha: HEAD } };
    await post('Merge Request Hook', mergeRequestHook('open'));
    const { session } = (await (events[0] as ReviewEvent).open())[0]!;
    expect(await session.code()).toEqual({
      cloneUrl: `${GITLAB}/acme/gitops.git`,
      auth: { username: 'oauth2', token: 'glpat-test' },
      baseRef: 'refs/heads/main',
      headRef: 'refs/merge-requests/1/head',
      baseSha: BASE,
      headSha: HEAD,
      repoURLs: [`${GITLAB}/acme/gitops.git`, `${GITLAB}/acme/gitops`],
    });
    gitlab.note('a person quoting <!-- safe-deploy:review -->', { id: 7, username: 'dev' });
    gitlab.note('merged', { id: 7, username: 'dev' }, true);
    await session.setStatus({ state: 'running', title: 'Predicting the cluster diff…' });
    await session.createComment('<!-- safe-deploy:review -->\nfirst');
    const comments = await session.listComments();
    expect(comments.map((c) => [c.author, c.own])).toEqual([
      ['dev', false],
      ['safe-deploy-bot', true],
    ]);
    await session.updateComment(comments[1]!.id, '<!-- safe-deploy:review -->\nsecond');
    gitlab.failures[`POST ${P}/statuses/${HEAD}`] = [[400, 'Cannot transition status via :run from :running']];
    await session.setStatus({ state: 'running', title: 'again' });
    await session.setStatus({ state: 'failure', title: '1 error' });
    expect(gitlab.statuses.map((s) => [s.sha, s.state, s.name, s.description, Number(s.pipeline_id)])).toEqual([
      [HEAD, 'running', 'safe-deploy', 'Predicting the cluster diff…', 77],
      [HEAD, 'failed', 'safe-deploy', '1 error', 77],
    ]);
    expect(gitlab.notes.at(-1)!.body).toBe('<!-- safe-deploy:review -->\nsecond');
    expect(gitlab.calls).toEqual([
      `GET ${P}/merge_requests/1`,
      `POST ${P}/statuses/${HEAD}`,
      `POST ${P}/merge_requests/1/notes`,
      `GET ${P}/merge_requests/1/notes`,
      'GET /api/v4/user',
      `PUT ${P}/merge_requests/1/notes/${comments[1]!.id}`,
      `POST ${P}/statuses/${HEAD}`,
      `POST ${P}/statuses/${HEAD}`,
    ]);
  });

  it('retries server errors with backoff (no real wait), then reports a failure that persists, counted', async () => {
    gitlab.mergeRequest = { iid: 1, diff_refs: { base_sha: BASE, head_sha: HEAD }, head_pipeline: null };
    const show = `GET ${P}/merge_requests/1`;
    gitlab.failures[show] = [[503, 'unavailable'], [503, 'unavailable']];
    await post('Merge Request Hook', mergeRequestHook('open'));
    const { session } = (await (events[0] as ReviewEvent).open())[0]!;
    expect((await session.code()).headSha).toBe(HEAD);
    // No head pipeline: the status stands on the commit alone.
    await session.setStatus({ state: 'running', title: 'Predicting the cluster diff…' });
    expect(gitlab.statuses.map((s) => s.pipeline_id)).toEqual([undefined]);
    expect(sleeps).toHaveLength(2);
    expect(sleeps[0]).toBeLessThan(250);
    expect(sleeps[1]).toBeLessThan(500);
    gitlab.failures[show] = Array(4).fill([503, 'unavailable']);
    await expect(session.code()).rejects.toMatchObject({ cause: { response: { status: 503 } } });
    expect(gitlab.calls).toEqual([...Array(3).fill(show), `POST ${P}/statuses/${HEAD}`, ...Array(4).fill(show)]);
    expect(sleeps).toHaveLength(5);
    expect(await apiErrors()).toEqual(['safe_deploy_api_errors_total{platform="gitlab"} 1']);
  });
});

describe('rate limits', () => {
  it('a 429 is waited out and the call goes on', async () => {
    gitlab.failures[`POST ${P}/merge_requests/1/notes`] = [[429, 'Too Many Requests']];
    await post('Merge Request Hook', mergeRequestHook('open'));
    const { session } = (await (events[0] as ReviewEvent).open())[0]!;
    await session.createComment('review');
    expect(gitlab.notes.map((n) => n.body)).toEqual(['review']);
    expect(gitlab.calls).toEqual(Array(2).fill(`POST ${P}/merge_requests/1/notes`));
  });
});

describe('notes', () => {
  it('a new /safe-deploy note on a merge request becomes a command; issues, system notes, edits and other notes do not', async () => {
    expect(await post('Note Hook', noteHook('/safe-deploy help'))).toBe('200 ok');
    for (const ignored of [noteHook('/safe-deploy help', undefined, { noteable_type: 'Issue' }), noteHook('/safe-deploy help', undefined, { system: true }), noteHook('/safe-deploy help', undefined, { action: 'update' }), noteHook('looks good')]) {
      expect(await post('Note Hook', ignored)).toMatch(/^200 /);
    }
    const command = events[0] as CommandEvent;
    expect(events).toHaveLength(1);
    expect([command.actor, command.comment]).toEqual([{ username: 'dev', id: 7 }, { id: 42, body: '/safe-deploy help' }]);
    expect(gitlab.calls).toEqual([]);
  });

  it("the bot's own note opens as nothing to answer; a person's opens the merge request", async () => {
    await post('Note Hook', noteHook('/safe-deploy help', BOT_USER));
    await post('Note Hook', noteHook('/safe-deploy help'));
    expect(await (events[0] as CommandEvent).open()).toBeNull();
    expect((await (events[1] as CommandEvent).open())!.session.key).toBe('acme/gitops!1');
    expect(gitlab.calls).toEqual(['GET /api/v4/user']);
  });

  it('the command session: award emoji, access levels on the common ladder, group membership and the base configuration', async () => {
    gitlab.members[7] = 30;
    gitlab.members[8] = 40;
    gitlab.members[9] = 20;
    gitlab.groups['acme/sre'] = [8];
    gitlab.files['.safe-deploy.yml'] = 'commands:\n  override: ["@acme/sre"]\n';
    await post('Note Hook', noteHook('/safe-deploy help'));
    const { session } = (await (events[0] as CommandEvent).open())!;
    await session.react(42, 'eyes');
    await session.react(42, '+1');
    await session.react(42, '-1');
    expect(gitlab.emojis.map((e) => [e.note, e.name])).toEqual([
      [42, 'eyes'],
      [42, 'thumbsup'],
      [42, 'thumbsdown'],
    ]);
    const principal = (id: number) => session.principal({ username: `u${id}`, id });
    expect(await Promise.all([7, 8, 9, 10].map((id) => principal(id).role()))).toEqual(['write', 'maintain', 'read', 'none']);
    expect([await principal(8).memberOf('acme/sre'), await principal(7).memberOf('acme/sre')]).toEqual([true, false]);
    expect(await session.readFile('.safe-deploy.yml', BASE)).toBe('commands:\n  override: ["@acme/sre"]\n');
    expect(await session.readFile('missing.yml', BASE)).toBeNull();
    expect(gitlab.calls).toEqual([
      'GET /api/v4/user',
      ...Array(3).fill(`POST ${P}/merge_requests/1/notes/42/award_emoji`),
      ...[7, 8, 9, 10].map((id) => `GET ${P}/members/all/${id}`),
      'GET /api/v4/groups/acme/sre/members/all/8',
      'GET /api/v4/groups/acme/sre/members/all/7',
      `GET ${P}/repository/files/.safe-deploy.yml/raw`,
      `GET ${P}/repository/files/missing.yml/raw`,
    ]);
    expect(await apiErrors()).toEqual([]);
  });
});
