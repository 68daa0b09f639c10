// A merge request from a fork on GitLab with `forks: on-rerun` in the target
// branch's config: hooks into the real server against a stateful GitLab.
import { describe, expect, it } from 'vitest';
import { endToEnd } from '../helpers/end-to-end.js';
import { mergeRequestHook, sendHook, startGitLabServer } from '../helpers/gitlab.js';
import { deployment } from '../helpers/manifests.js';
import { FakeGitLab, GITLAB, PROJECT } from '../fakes/gitlab.js';

const FORK = 6;
const t = endToEnd({ files: { 'deploy/web/deploy.yaml': deployment('web', { namespace: 'shop' }) }, fake: () => new FakeGitLab(), server: startGitLabServer });

const fromFork = (hook: object) => {
  const h = hook as { object_attributes: Record<string, unknown> };
  h.object_attributes.source_project_id = FORK;
  return h;
};

const note = (body: string, user: { id: number; username: string }, id: number) => ({
  object_kind: 'note',
  user,
  project: { id: PROJECT, path_with_namespace: 'acme/gitops', web_url: `${GITLAB}/acme/gitops`, git_http_url: t.repo.dir },
  object_attributes: { id, note: body, noteable_type: 'MergeRequest', action: 'create', system: false },
  merge_request: { iid: 1, target_branch: 'main', target_project_id: PROJECT, source_project_id: FORK, last_commit: { id: t.fake.mergeRequest && (t.fake.mergeRequest as { diff_refs: { head_sha: string } }).diff_refs.head_sha } },
});

describe('GitLab merge requests from forks under forks: on-rerun', () => {
  it('wait with a failed status and a note until a maintainer’s rerun; a developer of the fork cannot start it', async () => {
    t.fake.files['.safe-deploy.yml'] = 'forks: on-rerun\n';
    const head = t.repo.pushHead(t.base, 'refs/merge-requests/1/head', { 'deploy/web/deploy.yaml': deployment('web', { namespace: 'shop', image: 'nginx:latest' }) });
    t.fake.mergeRequest = { iid: 1, source_project_id: FORK, target_project_id: PROJECT, diff_refs: { base_sha: t.base, head_sha: head } };
    await sendHook(t.server, 'Merge Request Hook', fromFork(mergeRequestHook('open', t.repo.dir, 1, head)), { uuid: 'u-1' });
    await t.server.scheduler.idle();
    // No running status: nothing is fetched; the one status blocks like a failure.
    expect(t.fake.statuses.map((s) => [s.sha, s.state, s.description.split(':')[0]])).toEqual([[head, 'failed', 'Fork pull request']]);
    expect(t.fake.notes[0]!.body).toMatch(/^<!-- safe-deploy:review -->\n## ⏸️ safe-deploy: Fork pull request: waiting for a maintainer\n/);

    t.fake.members[8] = 20; // Reporter
    await sendHook(t.server, 'Note Hook', note('/safe-deploy rerun', { id: 8, username: 'contributor' }, 501), { uuid: 'u-2' });
    await t.server.scheduler.idle();
    expect(t.fake.notes.at(-1)!.body).toContain('needs write access to the repository, and you have read access');
    expect(t.fake.statuses).toHaveLength(1);

    t.fake.members[9] = 40; // Maintainer
    await sendHook(t.server, 'Note Hook', note('/safe-deploy rerun', { id: 9, username: 'maintainer' }, 502), { uuid: 'u-3' });
    await t.server.scheduler.idle();
    expect(t.fake.statuses.map((s) => s.state)).toEqual(['failed', 'running', 'failed']);
    expect(t.fake.statuses.at(-1)!.description).toBe('1 error');
    expect(t.fake.notes[0]!.body).toContain('+          image: nginx:latest');
  });

  it('go by the API when the hook does not say where the source branch lives', async () => {
    t.fake.files['.safe-deploy.yml'] = 'forks: on-rerun\n';
    const head = t.repo.pushHead(t.base, 'refs/merge-requests/1/head', { 'deploy/web/deploy.yaml': deployment('web', { namespace: 'shop', replicas: 3 }) });
    t.fake.mergeRequest = { iid: 1, source_project_id: FORK, target_project_id: PROJECT, diff_refs: { base_sha: t.base, head_sha: head } };
    // The hook names no source project: it is not taken for a branch of the project itself.
    await sendHook(t.server, 'Merge Request Hook', mergeRequestHook('open', t.repo.dir, 1, head), { uuid: 'u-4' });
    await t.server.scheduler.idle();
    expect(t.fake.statuses.map((s) => [s.state, s.description.split(':')[0]])).toEqual([['failed', 'Fork pull request']]);
  });
});
