// POST /api/gitlab/webhooks: GitLab's Merge Request Hook starts a review; the
// Note Hook goes to the slash-command handler. The X-Gitlab-Token header is
// checked in constant time before anything else is read.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { MirrorCache } from '../../repo/mirror.js';
import type { Metrics } from '../../server/metrics.js';
import { withRetry } from '../../util/retry.js';
import { reviewMergeRequest, type Log } from '../review-job.js';
import type { ReviewScheduler } from '../scheduler.js';
import { currentUser, GitLabSession, retryable, type GitLabApi } from './session.js';

export const GITLAB_WEBHOOK_PATH = '/api/gitlab/webhooks';
export const MAX_BODY_BYTES = 5 * 1024 * 1024;

export interface GitLabDeps {
  api: GitLabApi;
  secret: string;
  token: string;
  scheduler: ReviewScheduler;
  mirrors: MirrorCache;
  metrics: Metrics;
  log: Log;
  /** Note Hook payloads (slash-commands). */
  onNote?: (payload: GitLabNotePayload, delivery: string) => void;
}

interface Project {
  id: number;
  path_with_namespace: string;
  web_url: string;
  git_http_url: string;
}

interface MergeRequestHook {
  object_kind: 'merge_request';
  project: Project;
  object_attributes: {
    iid: number;
    action?: string;
    oldrev?: string;
    target_branch: string;
    target_project_id?: number;
    last_commit?: { id: string };
    diff_refs?: { base_sha?: string | null; head_sha?: string | null } | null;
  };
}

export interface GitLabNotePayload {
  object_kind: 'note';
  project: Project;
  user: { id: number; username: string };
  object_attributes: { id: number; note: string; noteable_type: string; action?: string; system?: boolean };
  merge_request?: { iid: number };
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** Constant-time comparison: equal-length digests, so neither content nor length leaks. */
export function tokenMatches(given: string | undefined, expected: string): boolean {
  return given !== undefined && timingSafeEqual(digest(given), digest(expected));
}

function readBody(req: IncomingMessage, limit: number): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        resolve(null);
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function reply(res: ServerResponse, status: number, message: string): true {
  if (!res.headersSent) res.writeHead(status, { 'content-type': 'text/plain' }).end(`${message}\n`);
  return true;
}

/** Open, reopen, and updates that bring new commits (oldrev) are reviewed; other actions are not. */
export function wantsReview(hook: MergeRequestHook): boolean {
  const { action, oldrev } = hook.object_attributes;
  return action === 'open' || action === 'reopen' || (action === 'update' && Boolean(oldrev));
}

function scheduleReview(deps: GitLabDeps, botUser: () => Promise<number | null>, hook: MergeRequestHook, delivery: string): void {
  const attributes = hook.object_attributes;
  const project = hook.project;
  const projectId = attributes.target_project_id ?? project.id;
  const hookHead = attributes.last_commit?.id ?? attributes.diff_refs?.head_sha ?? '';
  const session = new GitLabSession(deps.api, { projectId, projectPath: project.path_with_namespace, iid: attributes.iid, headSha: hookHead, webUrl: project.web_url }, deps.metrics, botUser);
  const ticket = deps.scheduler.begin(session.key);
  deps.scheduler.submit(async () => {
    if (!ticket.isCurrent()) return;
    let baseSha = attributes.diff_refs?.base_sha ?? null;
    let headSha = attributes.diff_refs?.head_sha ?? hookHead;
    try {
      // The hook carries no head pipeline, and older GitLab versions no diff_refs.
      const mr = await withRetry(() => deps.api.MergeRequests.show(projectId, attributes.iid), retryable);
      const refs = mr.diff_refs as { base_sha?: string; head_sha?: string } | null | undefined;
      baseSha ??= refs?.base_sha ?? null;
      headSha = refs?.head_sha ?? headSha;
      const pipeline = mr.head_pipeline as { id?: number; sha?: string } | null | undefined;
      Object.assign(session.mr, { headSha, ...(pipeline?.id && pipeline.sha === headSha ? { pipelineId: pipeline.id } : {}) });
    } catch (error) {
      deps.metrics.apiFailed('gitlab');
      deps.log.error({ err: error, delivery }, 'cannot read the merge request');
      if (!baseSha) {
        await session
          .setStatus({ state: 'failure', title: 'safe-deploy could not review this change', summary: `GitLab API error reading merge request !${attributes.iid}; ask for /safe-deploy rerun.` })
          .catch((statusError: unknown) => deps.log.error({ err: statusError, delivery }, 'cannot report'));
        return;
      }
    }
    const http = /^https?:\/\//.test(project.git_http_url);
    await reviewMergeRequest(
      session,
      {
        cloneUrl: project.git_http_url,
        ...(http ? { auth: { username: 'oauth2', token: deps.token } } : {}),
        baseRef: `refs/heads/${attributes.target_branch}`,
        // Merge requests from forks are fetched from the target project too.
        headRef: `refs/merge-requests/${attributes.iid}/head`,
        baseSha: baseSha!,
        headSha,
      },
      ticket,
      { mirrors: deps.mirrors, metrics: deps.metrics, log: deps.log },
      delivery,
    );
  });
}

export function gitlabWebhookHandler(deps: GitLabDeps) {
  const botUser = currentUser(deps.api);
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    if (req.url?.split('?')[0] !== GITLAB_WEBHOOK_PATH) return false;
    if (req.method !== 'POST') return reply(res, 405, 'method not allowed');
    const token = req.headers['x-gitlab-token'];
    if (!tokenMatches(Array.isArray(token) ? token[0] : token, deps.secret)) {
      deps.log.warn({ path: GITLAB_WEBHOOK_PATH }, 'GitLab webhook with a missing or wrong token');
      return reply(res, 401, 'bad token');
    }
    const body = await readBody(req, MAX_BODY_BYTES);
    if (body === null) return reply(res, 413, 'payload too large');
    let payload: { object_kind?: string };
    try {
      payload = JSON.parse(body) as { object_kind?: string };
    } catch {
      return reply(res, 400, 'malformed JSON');
    }
    const uuid = req.headers['x-gitlab-event-uuid'] ?? req.headers['idempotency-key'];
    const delivery = String(Array.isArray(uuid) ? uuid[0] : (uuid ?? `gitlab-${Date.now()}-${Math.random()}`));
    if (!deps.scheduler.firstDelivery(delivery)) return reply(res, 200, 'already processed');
    const event = req.headers['x-gitlab-event'];
    if (event === 'Merge Request Hook' && payload.object_kind === 'merge_request') {
      const hook = payload as MergeRequestHook;
      if (wantsReview(hook)) scheduleReview(deps, botUser, hook, delivery);
      return reply(res, 200, 'ok');
    }
    if (event === 'Note Hook' && payload.object_kind === 'note') {
      deps.onNote?.(payload as GitLabNotePayload, delivery);
      return reply(res, 200, 'ok');
    }
    return reply(res, 200, 'ignored');
  };
}
