// A real safe-deploy server with the GitLab webhook enabled; GitLab's API is faked by nock.
import { mkdtempSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSafeDeployServer } from '../../src/server/server.js';
import { listening, type TestServer } from './server.js';

export type { TestServer };

export const GITLAB = 'https://gitlab.example.com';
export const GITLAB_SECRET = 'gitlab-hook-secret';
export const PROJECT = 5;

export async function startGitLabServer(): Promise<TestServer> {
  const cacheDir = mkdtempSync(join(tmpdir(), 'safe-deploy-cache-'));
  const server = await createSafeDeployServer({
    env: { GITLAB_URL: GITLAB, GITLAB_TOKEN: 'glpat-test', GITLAB_WEBHOOK_SECRET: GITLAB_SECRET, LOG_LEVEL: 'silent' },
    cacheDir,
    concurrency: 2,
  });
  return listening(server, cacheDir);
}

export function sendHook(server: TestServer, event: string, payload: object, options: { token?: string | null; uuid?: string } = {}): Promise<Response> {
  const headers: Record<string, string> = { 'content-type': 'application/json', 'x-gitlab-event': event, 'x-gitlab-event-uuid': options.uuid ?? randomUUID() };
  if (options.token !== null) headers['x-gitlab-token'] = options.token ?? GITLAB_SECRET;
  return fetch(`${server.url}/api/gitlab/webhooks`, { method: 'POST', headers, body: JSON.stringify(payload) });
}

export function mergeRequestHook(action: string, repoDir: string, iid: number, head: string, options: { oldrev?: string; diffRefs?: { base_sha: string; head_sha: string } } = {}): object {
  return {
    object_kind: 'merge_request',
    event_type: 'merge_request',
    user: { id: 7, username: 'dev' },
    project: { id: PROJECT, path_with_namespace: 'acme/gitops', web_url: `${GITLAB}/acme/gitops`, git_http_url: repoDir },
    object_attributes: {
      iid,
      action,
      target_branch: 'main',
      source_branch: 'feature',
      target_project_id: PROJECT,
      last_commit: { id: head },
      ...(options.oldrev ? { oldrev: options.oldrev } : {}),
      ...(options.diffRefs ? { diff_refs: options.diffRefs } : {}),
    },
  };
}
