// What the pipeline does when a platform call or the code fails, and the shape
// of the review comment and status over pushes: the status always ends with the
// reason, the log and the metrics say it, a stale review never writes.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LocalCode } from '../../src/bot/session.js';
import { TestRepo } from '../helpers/git-repo.js';
import { deployment } from '../helpers/manifests.js';
import { botWith, commandEvent, reviewEvent } from '../fakes/bot.js';
import { FakeSession, REVIEW_MARKER } from '../fakes/session.js';

let repo: TestRepo;
let base: string;

beforeEach(() => {
  repo = new TestRepo();
  base = repo.commit({ 'deploy/web/deploy.yaml': deployment('web', { namespace: 'shop' }), 'README.md': '# gitops\n' });
});
afterEach(() => repo.dispose());

const codeAt = (headSha: string): LocalCode => ({ repo: repo.dir, baseSha: base, headSha, repoURLs: [] });
const pushHead = (files: Record<string, string | null>) => repo.pushHead(base, 'refs/pull/1/head', files);
/** An API error as Octokit and gitbeaker raise them. */
const apiError = (status: number, message: string) => Object.assign(new Error(message), { status });
/** Waits for something the bot does in the background. */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}
const FAILED = 'safe-deploy could not review this change';

describe('failures before the review starts', () => {
  it('code that cannot be read (an installation token answered 500) ends in a failed status with the reason, an error line and the metric', async () => {
    const session = new FakeSession(repo, codeAt('b'.repeat(40)));
    session.failing.code = apiError(500, 'token service down');
    const { bot, log, metric } = botWith();
    bot.dispatch(reviewEvent(session, 'token-500', session.key));
    await bot.idle();
    expect(session.statuses).toEqual([
      { head: 'b'.repeat(40), state: 'failure', title: FAILED, summary: 'the github API answered 500 (token service down); reference token-500 in the logs. Push again or ask for /safe-deploy rerun.' },
    ]);
    expect(log.lines.filter((l) => l.level === 'error')).toEqual([{ level: 'error', object: expect.objectContaining({ reference: 'token-500', err: session.failing.code }), message: 'review failed' }]);
    expect(await metric('safe_deploy_reviews_total')).toEqual(['safe_deploy_reviews_total{platform="github",outcome="error"} 1']);
  });

  it('a re-run whose pull request cannot be read completes a failed status on the re-run commit', async () => {
    const session = new FakeSession(repo, codeAt('b'.repeat(40)), { key: 'acme/fleet#0' });
    const { bot, log, metric } = botWith();
    bot.dispatch({ kind: 'review', platform: 'github', delivery: 'rerun-502', open: async () => [{ session, failure: apiError(502, 'Bad Gateway') }] });
    await bot.idle();
    expect(session.statuses).toEqual([
      { head: 'b'.repeat(40), state: 'failure', title: FAILED, summary: 'the github API answered 502 (Bad Gateway); reference rerun-502 in the logs. Push again or ask for /safe-deploy rerun.' },
    ]);
    expect(log.lines.filter((l) => l.level === 'error').map((l) => l.message)).toEqual(['review failed']);
    expect(await metric('safe_deploy_reviews_total')).toEqual(['safe_deploy_reviews_total{platform="github",outcome="error"} 1']);
  });

  it('a command whose pull request cannot be read gets a reply with the reason, and is logged', async () => {
    const session = new FakeSession(repo, codeAt(base));
    const { bot, log } = botWith();
    bot.dispatch({ ...commandEvent(session, '/safe-deploy rerun', 'dev', 'comment-500'), open: async () => ({ session, failure: apiError(500, 'Server Error') }) });
    await bot.idle();
    expect(session.replies()).toEqual(['safe-deploy could not read this pull request to run the command: the github API answered 500 (Server Error); reference comment-500 in the logs. Push again or ask for /safe-deploy rerun.']);
    expect(log.lines.filter((l) => l.level === 'error')).toEqual([{ level: 'error', object: expect.objectContaining({ delivery: 'comment-500' }), message: 'cannot read the pull request of a command' }]);
    expect(session.statuses).toEqual([]);
  });

  it('code that cannot be fetched fails the status with a clear message', async () => {
    const session = new FakeSession(repo, { ...codeAt(base), headSha: 'f'.repeat(40) });
    const { bot } = botWith();
    bot.dispatch(reviewEvent(session));
    await bot.idle();
    expect(session.outcomes()).toEqual(['failure']);
    expect(session.statuses.pop()!.summary).toMatch(/^unknown revision 'f{40}' in .*: fetch it or check the name$/);
  });
});

describe('the review comment and status', () => {
  it('a failing API call during the review completes the status as failed, with the delivery as reference', async () => {
    const session = new FakeSession(repo, codeAt(pushHead({ 'deploy/web/deploy.yaml': deployment('web', { namespace: 'shop', replicas: 5 }) })));
    session.failing.createComment = apiError(500, 'Server Error');
    const { bot, metric } = botWith();
    bot.dispatch(reviewEvent(session, 'delivery-500'));
    await bot.idle();
    expect(session.statuses.map((s) => s.state)).toEqual(['running', 'failure']);
    expect(session.statuses.pop()).toMatchObject({ title: FAILED, summary: 'the github API answered 500 (Server Error); reference delivery-500 in the logs. Push again or ask for /safe-deploy rerun.' });
    expect(await metric('safe_deploy_reviews_total')).toEqual(['safe_deploy_reviews_total{platform="github",outcome="error"} 1']);
  });

  it('edits its own review comment, not a comment of someone else quoting the marker', async () => {
    const session = new FakeSession(repo, codeAt(pushHead({ 'deploy/web/deploy.yaml': deployment('web', { namespace: 'shop', replicas: 3 }) })));
    session.addComment(`a person quoting ${REVIEW_MARKER}`, 'dev');
    session.addComment(`${REVIEW_MARKER}\nold`, 'safe-deploy[bot]', true);
    const { bot } = botWith();
    bot.dispatch(reviewEvent(session));
    await bot.idle();
    expect(session.comments).toHaveLength(2);
    expect(session.comments[0]!.body).toBe(`a person quoting ${REVIEW_MARKER}`);
    expect(session.review()).toContain('+  replicas: 3');
    expect(session.statuses.pop()).toMatchObject({ state: 'success', title: '1 change, no findings' });
  });

  it('posts nothing when no manifest changes, and turns an earlier review into "No Kubernetes changes"', async () => {
    const head = pushHead({ 'README.md': '# changed\n' });
    const fresh = new FakeSession(repo, codeAt(head));
    const { bot } = botWith();
    bot.dispatch(reviewEvent(fresh));
    await bot.idle();
    expect(fresh.comments).toEqual([]);
    expect(fresh.statuses.pop()).toEqual({ head, state: 'success', title: 'No Kubernetes changes', summary: `No target renders differently at \`${head}\`.` });

    const reviewed = new FakeSession(repo, codeAt(head), { key: 'acme/fleet#2' });
    reviewed.addComment(`${REVIEW_MARKER}\nold diff`, 'safe-deploy[bot]', true);
    bot.dispatch(reviewEvent(reviewed));
    await bot.idle();
    expect(reviewed.comments).toHaveLength(1);
    expect(reviewed.review()).toContain('No Kubernetes changes');
  });

  it('never lets a stale review overwrite a newer one: the slow first push is cancelled', async () => {
    const first = new FakeSession(repo, codeAt(pushHead({ 'deploy/web/deploy.yaml': deployment('web', { namespace: 'shop', replicas: 3 }) })));
    const second = first.pushed(codeAt(pushHead({ 'deploy/web/deploy.yaml': deployment('web', { namespace: 'shop', replicas: 4 }) })));
    let release!: () => void;
    first.gates.setStatus = new Promise((resolve) => (release = resolve));
    const { bot } = botWith(2);
    bot.dispatch(reviewEvent(first, 'push-1', first.key));
    await until(() => first.calls.includes('setStatus'));
    bot.dispatch(reviewEvent(second, 'push-2', second.key));
    await until(() => second.outcomes().length > 0);
    release();
    await bot.idle();
    expect(second.comments).toHaveLength(1);
    expect(second.review()).toContain('+  replicas: 4');
    expect(first.statuses.map((s) => [s.head, s.state])).toEqual([
      [second.local.headSha, 'running'],
      [second.local.headSha, 'success'],
      [first.local.headSha, 'running'],
      [first.local.headSha, 'cancelled'],
    ]);
  });

  it('20 pushes to one merge request in a burst end with one review comment and a final status for the last head', async () => {
    const pushes = Array.from({ length: 20 }, (_, n) => codeAt(pushHead({ 'deploy/web/deploy.yaml': deployment('web', { namespace: 'shop', replicas: n + 2 }) })));
    const sessions = [new FakeSession(repo, pushes[0]!)];
    for (const code of pushes.slice(1)) sessions.push(sessions[0]!.pushed(code));
    const { bot } = botWith(2);
    for (const session of sessions) bot.dispatch(reviewEvent(session, undefined, session.key));
    await bot.idle();
    const thread = sessions[0]!;
    expect(thread.comments).toHaveLength(1);
    expect(thread.review()).toContain('+  replicas: 21');
    const last = thread.statuses.filter((s) => s.head === pushes[19]!.headSha);
    expect(last.map((s) => s.state)).toEqual(['running', 'success']);
    // Every other push ended cancelled or never started; none wrote a final verdict.
    expect(thread.statuses.filter((s) => s.head !== pushes[19]!.headSha && s.state !== 'running' && s.state !== 'cancelled')).toEqual([]);
  });
});
