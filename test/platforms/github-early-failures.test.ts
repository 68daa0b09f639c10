// Failures before a review starts on GitHub (an installation token, a pull
// request that cannot be read): each ends in a completed failed check with the
// reason, or a reply where no head is known, and is logged and counted.
import { Writable } from 'node:stream';
import nock from 'nock';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { API, INSTALLATION, OWNER, REPO, pullRequestPayload, sendWebhook, startGitHubServer, type TestServer } from '../helpers/github.js';
import { offlineExceptLoopback } from '../helpers/server.js';

const repoPath = `/repos/${OWNER}/${REPO}`;
const BASE = 'a'.repeat(40);
const HEAD = 'b'.repeat(40);
let server: TestServer;
let lines: string[];

interface Check {
  head_sha?: string;
  status?: string;
  conclusion?: string;
  output?: { title: string; summary: string };
}

/** Records the check runs created and updated; tokens are granted unless a test says otherwise first. */
function fakeChecks(): Check[] {
  const checks: Check[] = [];
  nock(API)
    .persist()
    .post(`/app/installations/${INSTALLATION}/access_tokens`)
    .reply(201, { token: 'ghs_test', expires_at: '2099-01-01T00:00:00Z', permissions: {} })
    .post(`${repoPath}/check-runs`)
    .reply(201, (_uri, body) => {
      checks.push(body as Check);
      return { id: 7 };
    })
    .patch(`${repoPath}/check-runs/7`)
    .reply(200, (_uri, body) => {
      Object.assign(checks[checks.length - 1]!, body);
      return { id: 7 };
    });
  return checks;
}

async function metric(name: string): Promise<string[]> {
  return (await (await fetch(`${server.url}/metrics`)).text()).split('\n').filter((l) => l.startsWith(name));
}

const errors = () => lines.map((l) => JSON.parse(l) as { level: number; msg: string; reference?: string; delivery?: string; err?: { message: string } }).filter((l) => l.level >= 50);

offlineExceptLoopback();
beforeEach(async () => {
  lines = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  server = await startGitHubServer({ log: pino({ level: 'info' }, sink) });
});
afterEach(async () => {
  await server.close();
  nock.cleanAll();
});

describe('GitHub failures before the review starts', () => {
  it('an installation token answered 500 ends in a completed failed check with the reason, an error log line and the metrics', async () => {
    // Only the first token request fails: the one the clone needs.
    nock(API).post(`/app/installations/${INSTALLATION}/access_tokens`).reply(500, { message: 'token service down' });
    const checks = fakeChecks();
    const payload = pullRequestPayload('opened', `https://github.com/${OWNER}/${REPO}.git`, 1, BASE, HEAD);
    await sendWebhook(server, 'pull_request', payload, { delivery: 'token-500' });
    await server.scheduler.idle();
    expect(checks).toHaveLength(1);
    expect(checks[0]).toMatchObject({ head_sha: HEAD, status: 'completed', conclusion: 'failure', output: { title: 'safe-deploy could not review this change' } });
    expect(checks[0]!.output!.summary).toBe('the github API answered 500 (token service down); reference token-500 in the logs. Push again or ask for /safe-deploy rerun.');
    expect(errors()).toEqual([expect.objectContaining({ msg: 'review failed', reference: 'token-500', err: expect.objectContaining({ message: 'token service down' }) })]);
    expect(await metric('safe_deploy_reviews_total')).toEqual(['safe_deploy_reviews_total{platform="github",outcome="error"} 1']);
    expect(await metric('safe_deploy_api_errors_total')).toEqual(['safe_deploy_api_errors_total{platform="github"} 1']);
  });

  it('a re-run whose pull request cannot be read completes a failed check on the re-run commit', async () => {
    nock(API).get(`${repoPath}/pulls/3`).reply(502, { message: 'Bad Gateway' });
    const checks = fakeChecks();
    await sendWebhook(
      server,
      'check_run',
      { action: 'rerequested', check_run: { id: 1, name: 'safe-deploy', head_sha: HEAD, pull_requests: [{ number: 3 }] }, repository: { name: REPO, owner: { login: OWNER }, html_url: `https://github.com/${OWNER}/${REPO}` }, installation: { id: INSTALLATION } },
      { delivery: 'rerun-502' },
    );
    await server.scheduler.idle();
    expect(checks).toEqual([
      expect.objectContaining({ head_sha: HEAD, status: 'completed', conclusion: 'failure', output: expect.objectContaining({ summary: 'the github API answered 502 (Bad Gateway); reference rerun-502 in the logs. Push again or ask for /safe-deploy rerun.' }) }),
    ]);
    expect(errors().map((e) => e.msg)).toEqual(['review failed']);
    expect(await metric('safe_deploy_reviews_total')).toEqual(['safe_deploy_reviews_total{platform="github",outcome="error"} 1']);
  });

  it('a re-run is answered at once: its pull request look-ups run in the queue', async () => {
    nock(API).get(`${repoPath}/pulls/3`).delay(1_500).reply(502, { message: 'Bad Gateway' });
    const checks = fakeChecks();
    const started = performance.now();
    const response = await sendWebhook(
      server,
      'check_run',
      { action: 'rerequested', check_run: { id: 1, name: 'safe-deploy', head_sha: HEAD, pull_requests: [{ number: 3 }] }, repository: { name: REPO, owner: { login: OWNER }, html_url: `https://github.com/${OWNER}/${REPO}` }, installation: { id: INSTALLATION } },
      { delivery: 'rerun-slow' },
    );
    expect(response.ok).toBe(true);
    expect(performance.now() - started).toBeLessThan(1_500);
    expect(checks).toEqual([]);
    await server.scheduler.idle();
    expect(checks).toEqual([expect.objectContaining({ head_sha: HEAD, conclusion: 'failure' })]);
  });

  it('a re-run of a fork commit whose pull requests cannot be looked up completes a failed check too', async () => {
    nock(API).get(`${repoPath}/commits/${HEAD}/pulls`).reply(500, { message: 'Server Error' });
    const checks = fakeChecks();
    await sendWebhook(
      server,
      'check_run',
      { action: 'rerequested', check_run: { id: 1, name: 'safe-deploy', head_sha: HEAD, pull_requests: [] }, repository: { name: REPO, owner: { login: OWNER }, html_url: `https://github.com/${OWNER}/${REPO}` }, installation: { id: INSTALLATION } },
      { delivery: 'fork-500' },
    );
    await server.scheduler.idle();
    expect(checks).toEqual([expect.objectContaining({ head_sha: HEAD, conclusion: 'failure', output: expect.objectContaining({ summary: expect.stringMatching(/^the github API answered 500 \(Server Error\); reference fork-500/) }) })]);
  });

  it('a command whose pull request cannot be read gets a reply with the reason, and is logged', async () => {
    const replies: string[] = [];
    nock(API).get(`${repoPath}/pulls/1`).reply(500, { message: 'Server Error' });
    fakeChecks();
    nock(API)
      .post(`${repoPath}/issues/1/comments`)
      .reply(201, (_uri, body) => {
        replies.push((body as { body: string }).body);
        return { id: 1 };
      });
    await sendWebhook(
      server,
      'issue_comment',
      { action: 'created', issue: { number: 1, pull_request: { url: 'x' } }, comment: { id: 5, body: '/safe-deploy rerun', user: { login: 'dev', type: 'User' }, performed_via_github_app: null }, repository: { name: REPO, owner: { login: OWNER } }, installation: { id: INSTALLATION } },
      { delivery: 'comment-500' },
    );
    await server.scheduler.idle();
    expect(replies).toEqual(['safe-deploy could not read this pull request to run the command: the github API answered 500 (Server Error); reference comment-500 in the logs. Push again or ask for /safe-deploy rerun.']);
    expect(errors()).toEqual([expect.objectContaining({ msg: 'cannot read the pull request of a command', delivery: 'comment-500' })]);
    expect(await metric('safe_deploy_api_errors_total')).toEqual(['safe_deploy_api_errors_total{platform="github"} 1']);
  });
});
