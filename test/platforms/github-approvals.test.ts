// Impact-based review routing on GitHub: signed webhooks into the real server
// against a stateful GitHub. A `reviews:` entry of the base config asks for a
// team's approval of exposure changes; only an approval of the current head
// by a member counts, and a review event re-evaluates it.
import { describe, expect, it } from 'vitest';
import { endToEnd } from '../helpers/end-to-end.js';
import { pullRequestPayload, sendWebhook, startGitHubServer } from '../helpers/github.js';
import { deployment } from '../helpers/manifests.js';
import { FakeGitHub, INSTALLATION, OWNER, REPO } from '../fakes/github.js';

const service = (type: string) => `apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: shop
spec:
  type: ${type}
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
`;

const CONFIG = `reviews:
  - name: exposure needs security
    when: {impacts: [exposure]}
    require: ['@acme/security']
  - when: {namespaces: [payments]}
    require: ['@acme/payments']
`;

const t = endToEnd({
  files: { '.safe-deploy.yml': CONFIG, 'deploy/web/deploy.yaml': deployment('web', { namespace: 'shop' }), 'deploy/web/service.yaml': service('ClusterIP') },
  fake: () => {
    const github = new FakeGitHub();
    github.teams['acme/security'] = ['sec-alice', 'dev'];
    return github;
  },
  server: () => startGitHubServer(),
});

type Payload = { action: string; pull_request: Record<string, unknown>; review?: object };
const opened = (action: string, head: string): Payload => {
  const payload = pullRequestPayload(action, t.repo.dir, 1, t.base, head) as Payload;
  payload.pull_request.user = { login: 'dev' };
  return payload;
};
const approve = (login: string, id: number, commit: string) => (t.fake.reviews[1] ??= []).push({ id: 700 + (t.fake.reviews[1]?.length ?? 0), user: { login, id }, state: 'APPROVED', commit_id: commit });
const reviewEvent = async (head: string, delivery: string) => {
  const payload = { ...opened('submitted', head), review: { id: 1, state: 'approved' } };
  await sendWebhook(t.server, 'pull_request_review', payload, { delivery });
  await t.server.scheduler.idle();
};
const approvals = () => t.fake.checks.filter((c) => c.name === 'safe-deploy/approvals');
const comment = () => t.fake.thread(1)[0]!.body;

describe('review routing on GitHub', () => {
  it('an exposure change waits for a security member’s approval of this very head; a new push needs a new one', async () => {
    const head = t.repo.pushHead(t.base, 'refs/pull/1/head', { 'deploy/web/service.yaml': service('LoadBalancer') });
    await sendWebhook(t.server, 'pull_request', opened('opened', head));
    await t.server.scheduler.idle();
    // The review's own check keeps its meaning; approvals are a check of their own.
    expect(t.fake.checks.filter((c) => c.name === 'safe-deploy').at(-1)).toMatchObject({ head_sha: head });
    expect(approvals().at(-1)).toMatchObject({ head_sha: head, status: 'completed', conclusion: 'failure', output: expect.objectContaining({ title: 'Waiting for 1 of 1 required review' }) });
    expect(comment()).toContain('### Reviews needed (1 of 1 open)');
    expect(comment()).toContain('| exposure needs security | Service shop/web in deploy/web: exposure | ⏳ needs <code>&#64;acme/security</code> |');
    // Names are code, not mentions: updating the comment pings nobody.
    // The payments entry is not called for: nothing changes in that namespace.
    expect(comment()).not.toContain('payments');

    // An approval of an older commit, one by a non-member, and the author's own (a member) do not count.
    approve('sec-alice', 11, t.base);
    approve('bob', 12, head);
    approve('dev', 13, head);
    await reviewEvent(head, 'r-1');
    expect(approvals().at(-1)).toMatchObject({ head_sha: head, conclusion: 'failure' });

    // A member approves the head: the review event flips the check and the comment names her.
    approve('sec-alice', 11, head);
    await reviewEvent(head, 'r-2');
    expect(approvals().at(-1)).toMatchObject({ head_sha: head, conclusion: 'success', output: expect.objectContaining({ title: 'All 1 required review approved' }) });
    expect(comment()).toContain('### Reviews needed: all approved');
    expect(comment()).toContain('| ✅ <code>&#64;sec-alice</code> |');

    // She then asks for changes: her approval no longer stands.
    (t.fake.reviews[1] ??= []).push({ id: 799, user: { login: 'sec-alice', id: 11 }, state: 'CHANGES_REQUESTED', commit_id: head });
    await reviewEvent(head, 'r-3');
    expect(approvals().at(-1)).toMatchObject({ head_sha: head, conclusion: 'failure' });

    // A new push: approvals of the old head do not carry over.
    approve('sec-alice', 11, head);
    const next = t.repo.pushHead(head, 'refs/pull/1/head', { 'deploy/web/service.yaml': service('NodePort') });
    await sendWebhook(t.server, 'pull_request', opened('synchronize', next));
    await t.server.scheduler.idle();
    expect(approvals().at(-1)).toMatchObject({ head_sha: next, conclusion: 'failure' });
  });

  it('re-running the approvals check asks the approvals again', async () => {
    const head = t.repo.pushHead(t.base, 'refs/pull/1/head', { 'deploy/web/service.yaml': service('LoadBalancer') });
    const payload = opened('opened', head);
    t.fake.pulls[1] = payload.pull_request;
    await sendWebhook(t.server, 'pull_request', payload);
    await t.server.scheduler.idle();
    expect(approvals().at(-1)).toMatchObject({ head_sha: head, conclusion: 'failure' });
    // A comment-only review changes nobody's approval: nothing is asked again.
    const checks = t.fake.checks.length;
    await sendWebhook(t.server, 'pull_request_review', { ...payload, action: 'submitted', review: { id: 2, state: 'commented' } }, { delivery: 'c-1' });
    await t.server.scheduler.idle();
    expect(t.fake.checks).toHaveLength(checks);
    // An approval whose review event never arrived: a re-run of the check finds it.
    approve('sec-alice', 11, head);
    const check = approvals().at(-1)!;
    const repository = { id: 1, name: REPO, full_name: `${OWNER}/${REPO}`, owner: { login: OWNER }, html_url: `https://github.com/${OWNER}/${REPO}` };
    await sendWebhook(t.server, 'check_run', { action: 'rerequested', check_run: { id: check.id, name: 'safe-deploy/approvals', head_sha: head, pull_requests: [{ number: 1 }] }, repository, installation: { id: INSTALLATION } });
    await t.server.scheduler.idle();
    expect(approvals().at(-1)).toMatchObject({ head_sha: head, conclusion: 'success' });
    expect(comment()).toContain('### Reviews needed: all approved');
  });

  it('a change nothing routes gets a passing approvals check and no section', async () => {
    const head = t.repo.pushHead(t.base, 'refs/pull/1/head', { 'deploy/web/deploy.yaml': deployment('web', { namespace: 'shop', replicas: 3 }) });
    await sendWebhook(t.server, 'pull_request', opened('opened', head));
    await t.server.scheduler.idle();
    expect(approvals()).toEqual([expect.objectContaining({ head_sha: head, conclusion: 'success', output: expect.objectContaining({ title: 'No approval required' }) })]);
    expect(comment()).not.toContain('Reviews needed');
  });
});
