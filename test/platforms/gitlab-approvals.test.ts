// Impact-based review routing on GitLab: hooks into the real server against a
// stateful GitLab. Any change in namespace payments needs an approval by a
// member of the acme/payments group given after the head was pushed.
import { describe, expect, it } from 'vitest';
import { endToEnd } from '../helpers/end-to-end.js';
import { mergeRequestHook, sendHook, startGitLabServer } from '../helpers/gitlab.js';
import { deployment } from '../helpers/manifests.js';
import { FakeGitLab } from '../fakes/gitlab.js';

const CONFIG = `reviews:
  - name: payments team
    when: {namespaces: [payments]}
    require: ['@acme/payments']
`;

const t = endToEnd({
  files: { '.safe-deploy.yml': CONFIG, 'deploy/pay/deploy.yaml': deployment('pay', { namespace: 'payments' }) },
  fake: () => {
    const gitlab = new FakeGitLab();
    gitlab.groups['acme/payments'] = [21, 7, 23];
    return gitlab;
  },
  server: startGitLabServer,
});

const approvals = () => t.fake.statuses.filter((s) => s.name === 'safe-deploy/approvals');
let deliveries = 0;
const hook = async (action: string, head: string) => {
  await sendHook(t.server, 'Merge Request Hook', mergeRequestHook(action, t.repo.dir, 1, head, action === 'update' ? { oldrev: t.base } : {}), { uuid: `u-${++deliveries}` });
  await t.server.scheduler.idle();
};

describe('review routing on GitLab', () => {
  it('waits for a group member’s approval given after the head was pushed; the author’s own does not count; a new push resets', async () => {
    const head = t.repo.pushHead(t.base, 'refs/merge-requests/1/head', { 'deploy/pay/deploy.yaml': deployment('pay', { namespace: 'payments', replicas: 3 }) });
    t.fake.mergeRequest = { iid: 1, author: { id: 7, username: 'dev' }, diff_refs: { base_sha: t.base, head_sha: head } };
    t.fake.versions.unshift({ id: 1, head_commit_sha: head, created_at: '2026-11-28T10:00:00Z' });
    // Approved before the head existed (reset approvals off), by a non-member, by the author (a member), and by a member at a time the API does not give.
    t.fake.approvedBy.push({ user: { id: 21, username: 'pat' }, approved_at: '2026-11-28T09:00:00Z' }, { user: { id: 22, username: 'kim' }, approved_at: '2026-11-28T10:05:00Z' }, { user: { id: 7, username: 'dev' }, approved_at: '2026-11-28T10:06:00Z' }, { user: { id: 23, username: 'lee' } });
    await hook('open', head);
    expect(approvals().map((s) => [s.sha, s.state, s.description])).toEqual([[head, 'failed', 'Waiting for 1 of 1 required review: - ⏳ payments team: needs @acme/payments (Deployment payments/pay in deploy/pay) Only an approval of this head commit counts.']]);
    expect(t.fake.notes[0]!.body).toContain('| payments team | Deployment payments/pay in deploy/pay | ⏳ needs <code>&#64;acme/payments</code> |');

    // A member approves the head: GitLab's approval hook re-evaluates.
    t.fake.approvedBy.splice(0, 1, { user: { id: 21, username: 'pat' }, approved_at: '2026-11-28T10:10:00Z' });
    await hook('approved', head);
    expect(approvals().at(-1)).toMatchObject({ sha: head, state: 'success', description: 'All 1 required review approved: - ✅ payments team: approved by @pat (Deployment payments/pay in deploy/pay) Only an approval of this head commit counts.' });
    expect(t.fake.notes[0]!.body).toContain('| ✅ <code>&#64;pat</code> |');

    // A new push; GitLab kept the approval (reset on push off), but it predates the head.
    const next = t.repo.pushHead(head, 'refs/merge-requests/1/head', { 'deploy/pay/deploy.yaml': deployment('pay', { namespace: 'payments', replicas: 4 }) });
    t.fake.mergeRequest = { iid: 1, author: { id: 7, username: 'dev' }, diff_refs: { base_sha: t.base, head_sha: next } };
    t.fake.versions.unshift({ id: 2, head_commit_sha: next, created_at: '2026-11-28T11:00:00Z' });
    await hook('update', next);
    expect(approvals().at(-1)).toMatchObject({ sha: next, state: 'failed' });
  });
});
