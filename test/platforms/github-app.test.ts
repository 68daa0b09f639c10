// Contract of the GitHub adapter: a webhook becomes the right neutral event
// (no API call on the webhook path), and its session makes the right API calls
// against a stateful GitHub (test/fakes/github.ts). Retries and pacing stay on,
// without waiting (waitScale 0). What the bot does with the events is test/bot.
import { pino } from 'pino';
import { Probot } from 'probot';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Bot } from '../../src/bot/bot.js';
import type { CommandEvent, MergeRequestEvent, ReviewEvent } from '../../src/bot/events.js';
import { githubApp, githubReviewKey } from '../../src/platforms/github/app.js';
import { githubOctokit } from '../../src/platforms/github/octokit.js';
import { Metrics } from '../../src/server/metrics.js';
import { APP_ID, FakeGitHub, INSTALLATION, OWNER, pullRequest, REPO } from '../fakes/github.js';
import { strictNock } from '../fakes/nock.js';
import { privateKey } from '../helpers/github.js';

const BASE = 'a'.repeat(40);
const HEAD = 'b'.repeat(40);
const R = `/repos/${OWNER}/${REPO}`;
const TOKEN = `POST /app/installations/${INSTALLATION}/access_tokens`;
const repository = { name: REPO, owner: { login: OWNER }, html_url: `https://github.com/${OWNER}/${REPO}` };

strictNock();

let github: FakeGitHub;
let events: MergeRequestEvent[];
let metrics: Metrics;
let probot: Probot;

beforeEach(async () => {
  github = new FakeGitHub();
  events = [];
  metrics = new Metrics();
  const bot: Bot = {
    dispatch: (event) => (events.push(event), 'queued'),
    // The GitHub adapter dedupes through dispatch only.
    seen: () => {
      throw new Error('not used by the GitHub adapter');
    },
    run: async () => [],
    idle: async () => undefined,
  };
  probot = new Probot({ appId: APP_ID, privateKey, Octokit: githubOctokit({ waitScale: 0 }), log: pino({ level: 'silent' }) });
  await probot.load(githubApp({ appId: APP_ID, bot, metrics }));
});

const receive = (name: string, payload: object, id = 'delivery-1') => probot.receive({ id, name, payload } as Parameters<Probot['receive']>[0]);
const apiErrors = async () => (await metrics.registry.metrics()).split('\n').filter((l) => l.startsWith('safe_deploy_api_errors_total{'));

describe('pull request events', () => {
  it('become a review event keyed by the pull request, with no API call on the webhook path', async () => {
    for (const action of ['opened', 'synchronize', 'reopened', 'ready_for_review']) {
      await receive('pull_request', { action, number: 1, pull_request: pullRequest(1, BASE, HEAD), repository, installation: { id: INSTALLATION } }, `pr-${action}`);
    }
    await receive('pull_request', { action: 'closed', number: 1, pull_request: pullRequest(1, BASE, HEAD), repository, installation: { id: INSTALLATION } }, 'pr-closed');
    expect(events.map((e) => [e.kind, e.delivery, (e as ReviewEvent).key])).toEqual(['opened', 'synchronize', 'reopened', 'ready_for_review'].map((a) => ['review', `pr-${a}`, `${OWNER}/${REPO}#1`]));
    expect(github.calls).toEqual([]);
  });

  it("are named, before dispatch, by the key of the pull request they review (durable mode's web replicas take its generation)", () => {
    const payload = (action: string) => ({ action, number: 3, pull_request: pullRequest(3, BASE, HEAD), repository });
    for (const action of ['opened', 'synchronize', 'reopened', 'ready_for_review']) expect(githubReviewKey('pull_request', payload(action))).toBe(`${OWNER}/${REPO}#3`);
    expect(githubReviewKey('pull_request', payload('closed'))).toBeUndefined();
    // A review given, edited or dismissed re-evaluates approvals: the newest such delivery wins like a push.
    for (const action of ['submitted', 'edited', 'dismissed']) expect(githubReviewKey('pull_request_review', payload(action))).toBe(`${OWNER}/${REPO}#3`);
    expect(githubReviewKey('pull_request', payload('submitted'))).toBeUndefined();
    // A comment-only review changes no approval: it asks nothing (and supersedes no push).
    for (const action of ['submitted', 'edited']) expect(githubReviewKey('pull_request_review', { ...payload(action), review: { state: 'commented' } })).toBeUndefined();
    expect(githubReviewKey('pull_request_review', { ...payload('submitted'), review: { state: 'approved' } })).toBe(`${OWNER}/${REPO}#3`);
    expect(githubReviewKey('check_run', { action: 'rerequested', check_run: {} })).toBeUndefined();
    expect(githubReviewKey('pull_request', { action: 'opened' })).toBeUndefined();
  });

  it('the session: code with an installation token, a check run in progress then completed with annotations, the thread as GitHub keeps it', async () => {
    await receive('pull_request', { action: 'opened', number: 1, pull_request: pullRequest(1, BASE, HEAD), repository, installation: { id: INSTALLATION } });
    const { session } = (await (events[0] as ReviewEvent).open())[0]!;
    expect(await session.code()).toEqual({
      cloneUrl: `https://github.com/${OWNER}/${REPO}.git`,
      auth: { username: 'x-access-token', token: 'ghs_test' },
      baseRef: 'refs/heads/main',
      headRef: 'refs/pull/1/head',
      baseSha: BASE,
      headSha: HEAD,
      repoURLs: [`https://github.com/${OWNER}/${REPO}.git`, `https://github.com/${OWNER}/${REPO}`],
    });
    github.comment('a person quoting <!-- safe-deploy:review -->', { login: 'dev' });
    github.comment('another App', { login: 'other[bot]', type: 'Bot' }, 99);
    await session.setStatus({ state: 'running', title: 'Predicting the cluster diff…' });
    await session.createComment('<!-- safe-deploy:review -->\nfirst');
    const comments = await session.listComments();
    expect(comments.map((c) => [c.author, c.own])).toEqual([
      ['dev', false],
      ['other[bot]', false],
      ['safe-deploy[bot]', true],
    ]);
    await session.updateComment(comments[2]!.id, '<!-- safe-deploy:review -->\nsecond');
    const annotations = Array.from({ length: 51 }, (_, i) => ({ file: 'deploy/web.yaml', line: i + 1, level: 'failure' as const, title: 'image-tag-mutable', message: `finding ${i}` }));
    await session.setStatus({ state: 'failure', title: '51 errors', summary: 'summary', annotations });
    expect(github.checks).toEqual([expect.objectContaining({ name: 'safe-deploy', head_sha: HEAD, status: 'completed', conclusion: 'failure', output: expect.objectContaining({ title: '51 errors', summary: 'summary' }) })]);
    expect(github.comments.at(-1)!.body).toBe('<!-- safe-deploy:review -->\nsecond');
    expect(session.sourceLink('deploy/web.yaml', 3)).toBe(`https://github.com/${OWNER}/${REPO}/blob/${HEAD}/deploy/web.yaml#L3`);
    const check = `${R}/check-runs/${github.checks[0]!.id}`;
    expect(github.calls).toEqual([TOKEN, `POST ${R}/check-runs`, `POST ${R}/issues/1/comments`, `GET ${R}/issues/1/comments`, `PATCH ${R}/issues/comments/${comments[2]!.id}`, `PATCH ${check}`, `PATCH ${check}`]);
  });

  it('a failed installation token is counted and fails code()', async () => {
    github.failures[TOKEN] = [[500, 'token service down']];
    await receive('pull_request', { action: 'opened', number: 1, pull_request: pullRequest(1, BASE, HEAD), repository, installation: { id: INSTALLATION } });
    const { session } = (await (events[0] as ReviewEvent).open())[0]!;
    await expect(session.code()).rejects.toMatchObject({ status: 500, message: 'token service down' });
    expect(github.calls).toEqual([TOKEN]);
    expect(await apiErrors()).toEqual(['safe_deploy_api_errors_total{platform="github"} 1']);
  });
});

describe('check run re-runs', () => {
  const rerun = (pullRequests: number[], name = 'safe-deploy') => ({ action: 'rerequested', check_run: { id: 1, name, head_sha: HEAD, pull_requests: pullRequests.map((number) => ({ number })) }, repository, installation: { id: INSTALLATION } });

  it('are answered at once; the pull request look-ups run when the bot opens the event', async () => {
    github.pulls[3] = pullRequest(3, BASE, HEAD);
    await receive('check_run', rerun([3]), 'rerun-1');
    await receive('check_run', rerun([3], 'another check'), 'rerun-2');
    expect(events.map((e) => e.delivery)).toEqual(['rerun-1']);
    expect(github.calls).toEqual([]);
    const [opened] = await (events[0] as ReviewEvent).open();
    expect([opened!.session.key, opened!.session.headSha, opened!.failure]).toEqual([`${OWNER}/${REPO}#3`, HEAD, undefined]);
    expect(github.calls).toEqual([TOKEN, `GET ${R}/pulls/3`]);
  });

  it('find a fork pull request by its commit', async () => {
    github.commitPulls[HEAD] = [1];
    github.pulls[1] = pullRequest(1, BASE, HEAD);
    await receive('check_run', rerun([]));
    const opened = await (events[0] as ReviewEvent).open();
    expect(opened.map((o) => o.session.key)).toEqual([`${OWNER}/${REPO}#1`]);
    expect(github.calls).toEqual([TOKEN, `GET ${R}/commits/${HEAD}/pulls`, `GET ${R}/pulls/1`]);
  });

  it('whose pull request cannot be read (after retries) open as a failure on the re-run commit, counted', async () => {
    github.pulls[3] = [502, 'Bad Gateway'];
    await receive('check_run', rerun([3]));
    const [opened] = await (events[0] as ReviewEvent).open();
    expect([opened!.session.key, opened!.session.headSha]).toEqual([`${OWNER}/${REPO}#3`, HEAD]);
    expect(opened!.failure).toMatchObject({ status: 502 });
    expect(github.calls).toEqual([TOKEN, ...Array(4).fill(`GET ${R}/pulls/3`)]);
    expect(await apiErrors()).toEqual(['safe_deploy_api_errors_total{platform="github"} 1']);
  });

  it('whose commit cannot be looked up open as a failure of number 0 on the commit', async () => {
    github.commitPulls[HEAD] = [500, 'Server Error'];
    await receive('check_run', rerun([]));
    const [opened] = await (events[0] as ReviewEvent).open();
    expect([opened!.session.key, opened!.session.headSha]).toEqual([`${OWNER}/${REPO}#0`, HEAD]);
    expect(opened!.failure).toMatchObject({ status: 500 });
  });
});

describe('comments', () => {
  const created = (body: string, user: object = { login: 'dev', type: 'User' }, extra: object = {}) => ({
    action: 'created',
    issue: { number: 1, pull_request: { url: 'x' } },
    comment: { id: 555, body, user, performed_via_github_app: null },
    repository,
    installation: { id: INSTALLATION },
    ...extra,
  });

  it("a person's /safe-deploy comment on a pull request becomes a command; edits, bots, Apps, plain issues and other comments do not", async () => {
    await receive('issue_comment', created('/safe-deploy help'), 'c-1');
    await receive('issue_comment', { ...created('/safe-deploy help'), action: 'edited' }, 'c-2');
    await receive('issue_comment', created('/safe-deploy help', { login: 'renovate[bot]', type: 'Bot' }), 'c-3');
    await receive('issue_comment', created('/safe-deploy help', { login: 'dev', type: 'User' }, { comment: { id: 9, body: '/safe-deploy help', user: { login: 'dev', type: 'User' }, performed_via_github_app: { id: 5 } } }), 'c-4');
    await receive('issue_comment', created('/safe-deploy help', undefined, { issue: { number: 1 } }), 'c-5');
    await receive('issue_comment', created('looks good'), 'c-6');
    expect(events.map((e) => e.delivery)).toEqual(['c-1']);
    const command = events[0] as CommandEvent;
    expect([command.actor, command.comment]).toEqual([{ username: 'dev' }, { id: 555, body: '/safe-deploy help' }]);
    expect(github.calls).toEqual([]);
  });

  it('the command session: the pull request read when opened, reactions, roles, team membership and the base configuration', async () => {
    github.pulls[1] = pullRequest(1, BASE, HEAD);
    github.roles.lead = 'maintain';
    github.roles.reader = 'triage';
    github.teams['acme/sre'] = ['oncall'];
    github.files['.safe-deploy.yml'] = 'commands:\n  override: ["@acme/sre"]\n';
    await receive('issue_comment', created('/safe-deploy help'));
    const opened = (await (events[0] as CommandEvent).open())!;
    const { session } = opened;
    expect([session.key, session.headSha, opened.failure]).toEqual([`${OWNER}/${REPO}#1`, HEAD, undefined]);
    await session.react(555, 'eyes');
    await session.react(555, '+1');
    expect(github.reactions).toEqual([
      { comment: 555, content: 'eyes' },
      { comment: 555, content: '+1' },
    ]);
    const roles = await Promise.all(['lead', 'reader', 'stranger'].map((username) => session.principal({ username }).role()));
    expect(roles).toEqual(['maintain', 'read', 'none']);
    expect([await session.principal({ username: 'oncall' }).memberOf('acme/sre'), await session.principal({ username: 'lead' }).memberOf('acme/sre')]).toEqual([true, false]);
    expect(await session.readFile('.safe-deploy.yml', BASE)).toBe('commands:\n  override: ["@acme/sre"]\n');
    expect(await session.readFile('missing.yml', BASE)).toBeNull();
    expect(github.calls).toEqual([
      TOKEN,
      `GET ${R}/pulls/1`,
      `POST ${R}/issues/comments/555/reactions`,
      `POST ${R}/issues/comments/555/reactions`,
      `GET ${R}/collaborators/lead/permission`,
      `GET ${R}/collaborators/reader/permission`,
      `GET ${R}/collaborators/stranger/permission`,
      'GET /orgs/acme/teams/sre/memberships/oncall',
      'GET /orgs/acme/teams/sre/memberships/lead',
      `GET ${R}/contents/.safe-deploy.yml`,
      `GET ${R}/contents/missing.yml`,
    ]);
    expect(await apiErrors()).toEqual([]);
  });

  it('a command whose pull request cannot be read opens as a failure that can still reply, counted', async () => {
    github.pulls[1] = [500, 'Server Error'];
    await receive('issue_comment', created('/safe-deploy rerun'));
    const opened = (await (events[0] as CommandEvent).open())!;
    expect(opened.failure).toMatchObject({ status: 500 });
    await opened.session.createComment('cannot read');
    expect(github.comments.map((c) => c.body)).toEqual(['cannot read']);
    expect(github.calls).toEqual([TOKEN, ...Array(4).fill(`GET ${R}/pulls/1`), `POST ${R}/issues/1/comments`]);
    expect(await apiErrors()).toEqual(['safe_deploy_api_errors_total{platform="github"} 1']);
  });
});
