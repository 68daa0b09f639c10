// The event pipeline with a real scheduler, real reviews of real repositories
// and a merge request held in memory (no platform API).
import { afterEach, describe, expect, it } from 'vitest';
import type { MergeRequestEvent } from '../../src/bot/events.js';
import { TestRepo } from '../helpers/git-repo.js';
import { configMap } from '../helpers/manifests.js';
import { botWith, reviewEvent } from '../fakes/bot.js';
import { FakeSession } from '../fakes/session.js';

let repo: TestRepo | undefined;
afterEach(() => repo?.dispose());

// An Argo CD Application of this repository, known by the URL the platform gives; the checkout's remote names a mirror.
const application = `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: web, namespace: argocd}
spec:
  project: default
  source: {repoURL: https://github.com/acme/fleet, path: apps/web, targetRevision: HEAD}
  destination: {server: https://kubernetes.default.svc, namespace: shop}
`;

describe('the event pipeline', () => {
  it('answers a command with a review scoped like the posted one (the merge request URLs name the Application)', async () => {
    repo = new TestRepo();
    repo.git('remote', 'add', 'origin', 'https://git.example.com/mirror/fleet.git');
    const base = repo.commit({ 'argo/web.yaml': application, 'apps/web/settings.yaml': configMap('settings', { level: 'warn' }, 'shop') });
    const head = repo.commit({ 'apps/web/settings.yaml': configMap('settings', { level: 'error' }, 'shop') });
    const session = new FakeSession(repo, { repo: repo.dir, baseSha: base, headSha: head, repoURLs: ['https://github.com/acme/fleet'], baseBranch: 'main' }, { roles: { dev: 'write' } });
    const { bot } = botWith();
    expect(await bot.run(reviewEvent(session, 'posted'))).toEqual(['pass']);
    expect(session.comments[0]!.body).toContain('Declared by Application <code>argocd/web</code>');

    const command: MergeRequestEvent = { kind: 'command', platform: 'github', delivery: 'c-1', actor: { username: 'dev' }, comment: { id: 77, body: '/safe-deploy rerun web' }, open: async () => ({ session }) };
    expect(bot.dispatch(command)).toBe('queued');
    expect(bot.dispatch(command)).toBe('duplicate');
    await bot.idle();
    const [reply] = session.replies();
    expect(reply).toMatch(new RegExp(`^Review of <code>web</code> at <code>${head.slice(0, 12)}</code>:`));
    expect(reply).toContain('ConfigMap');
    expect(reply).toContain('settings');
    expect(session.reactions).toEqual([
      [77, 'eyes'],
      [77, '+1'],
    ]);
  });

  it('a push superseded while it waits for a slot reports nothing; the newest push reports', async () => {
    repo = new TestRepo();
    const base = repo.commit({ 'apps/web/settings.yaml': configMap('settings', { level: 'warn' }, 'shop') });
    const older = repo.commit({ 'apps/web/settings.yaml': configMap('settings', { level: 'info' }, 'shop') });
    const newer = repo.commit({ 'apps/web/settings.yaml': configMap('settings', { level: 'error' }, 'shop') });
    const code = (headSha: string) => ({ repo: repo!.dir, baseSha: base, headSha, repoURLs: [] });
    const { bot, log } = botWith(1);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const blocker = new FakeSession(repo, code(older), { key: 'acme/other#9' });
    bot.dispatch({ ...reviewEvent(blocker, 'block'), open: async () => (await gate, [{ session: blocker }]) });
    const first = new FakeSession(repo, code(older));
    const second = new FakeSession(repo, code(newer));
    bot.dispatch(reviewEvent(first, 'push-1', first.key));
    bot.dispatch(reviewEvent(second, 'push-2', second.key));
    release();
    await bot.idle();
    expect(first.statuses).toEqual([]);
    expect(second.statuses.map((s) => s.state)).toEqual(['running', 'success']);
    expect(log.lines.filter((l) => l.message === 'review superseded before it started').map((l) => l.object.reference)).toEqual(['push-1']);
  });

  it('an event that fails before any merge request is known is logged and counted, never dropped silently', async () => {
    const { bot, log, metrics } = botWith();
    bot.dispatch({ kind: 'review', platform: 'gitlab', delivery: 'broken', open: async () => Promise.reject(new Error('hook without a project')) });
    await bot.idle();
    expect(log.lines.filter((l) => l.level === 'error')).toEqual([{ level: 'error', object: expect.objectContaining({ delivery: 'broken', event: 'review' }), message: 'event failed' }]);
    expect(await metrics.registry.metrics()).toContain('safe_deploy_reviews_total{platform="gitlab",outcome="error"} 1');
  });

  it('a role the platform cannot tell is logged and grants nothing', async () => {
    repo = new TestRepo();
    const base = repo.commit({ 'apps/web/settings.yaml': configMap('settings', { level: 'warn' }, 'shop') });
    const session = new FakeSession(repo, { repo: repo.dir, baseSha: base, headSha: base, repoURLs: [] }, { roles: { dev: new Error('permissions API down') } });
    const { bot, log } = botWith();
    bot.dispatch({ kind: 'command', platform: 'github', delivery: 'c-2', actor: { username: 'dev' }, comment: { id: 5, body: '/safe-deploy rerun' }, open: async () => ({ session }) });
    await bot.idle();
    expect(session.replies()).toEqual(['@dev, sorry: <code>/safe-deploy rerun</code> needs write access to the repository, and you have none access.']);
    expect(log.lines.filter((l) => l.level === 'warn').map((l) => l.message)).toEqual(['cannot read the role of a user', 'slash-command refused']);
    expect(session.statuses).toEqual([]);
  });
});
