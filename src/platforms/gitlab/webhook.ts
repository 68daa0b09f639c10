// POST /api/gitlab/webhooks: GitLab's Merge Request Hook starts a review; a new
// note on a merge request runs its slash-commands. The X-Gitlab-Token header is
// checked in constant time before the body (read and size-capped by the server) is parsed.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Bot } from '../../bot/bot.js';
import type { Opened } from '../../bot/events.js';
import type { BotMetrics } from '../../bot/metrics.js';
import type { Log } from '../../util/log.js';
import type { RetryOptions } from '../../util/retry.js';
import { currentUser, GitLabSession, mergeRequestKey, type GitLabApi } from './session.js';

export const GITLAB_WEBHOOK_PATH = '/api/gitlab/webhooks';

export interface GitLabDeps {
  api: GitLabApi;
  secret: string;
  token: string;
  bot: Bot;
  metrics: BotMetrics;
  log: Log;
  /** How sessions retry failed API calls (default: util/retry's backoff). */
  retry?: RetryOptions;
}

interface Project {
  id: number;
  path_with_namespace: string;
  web_url: string;
  git_http_url: string;
  git_ssh_url?: string;
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
    source_project_id?: number;
    last_commit?: { id: string };
    diff_refs?: { base_sha?: string | null; head_sha?: string | null } | null;
  };
}

export interface GitLabNotePayload {
  object_kind: 'note';
  project: Project;
  user: { id: number; username: string };
  object_attributes: { id: number; note: string; noteable_type: string; action?: string; system?: boolean };
  merge_request?: { iid: number; target_branch: string; target_project_id?: number; source_project_id?: number; last_commit?: { id: string } };
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** Constant-time comparison: equal-length digests, so neither content nor length leaks. */
export function tokenMatches(given: string | undefined, expected: string): boolean {
  return given !== undefined && timingSafeEqual(digest(given), digest(expected));
}

function reply(res: ServerResponse, status: number, message: string): true {
  if (!res.headersSent) res.writeHead(status, { 'content-type': 'text/plain' }).end(`${message}\n`);
  return true;
}

/** Actions that change who approved: the approvals a change needs are asked again. */
const APPROVAL_ACTIONS = new Set(['approved', 'unapproved', 'approval', 'unapproval']);

/** Open, reopen, updates that bring new commits (oldrev) and approvals are reviewed; other actions are not. */
export function wantsReview(hook: MergeRequestHook): boolean {
  const { action, oldrev } = hook.object_attributes;
  return action === 'open' || action === 'reopen' || (action === 'update' && Boolean(oldrev)) || APPROVAL_ACTIONS.has(action ?? '');
}

interface MergeRequestInfo {
  project: Project;
  iid: number;
  targetProjectId?: number;
  /** The source branch's project: another than the target's for a fork. */
  sourceProjectId?: number;
  targetBranch: string;
  /** From the hook; the API's diff_refs win when they differ. */
  headSha: string;
  diffRefs?: { base_sha?: string | null; head_sha?: string | null } | null;
}

type Dispatched = ReturnType<Bot['dispatch']> | 'ignored';

/** The session of a merge request the hook names; its code is read from the API when the review (or command) runs. */
function mergeRequestSession(deps: GitLabDeps, botUser: () => Promise<number | null>, info: MergeRequestInfo): GitLabSession {
  const { project, iid } = info;
  const projectId = info.targetProjectId ?? project.id;
  const fromFork = info.sourceProjectId !== undefined && info.sourceProjectId !== projectId;
  const ref = { projectId, projectPath: project.path_with_namespace, iid, headSha: info.headSha, webUrl: project.web_url, ...(fromFork ? { fromFork } : {}) };
  const code = { httpUrl: project.git_http_url, ...(project.git_ssh_url ? { sshUrl: project.git_ssh_url } : {}), token: deps.token, targetBranch: info.targetBranch, diffRefs: info.diffRefs ?? null };
  return new GitLabSession(deps.api, ref, deps.metrics, botUser, code, deps.retry);
}

/** A merge request hook that brings something to review. */
function reviewHook(deps: GitLabDeps, botUser: () => Promise<number | null>, hook: MergeRequestHook, delivery: string): Dispatched {
  if (!wantsReview(hook)) return 'ignored';
  const a = hook.object_attributes;
  const session = mergeRequestSession(deps, botUser, {
    project: hook.project,
    iid: a.iid,
    ...(a.target_project_id ? { targetProjectId: a.target_project_id } : {}),
    ...(a.source_project_id ? { sourceProjectId: a.source_project_id } : {}),
    targetBranch: a.target_branch,
    headSha: a.last_commit?.id ?? a.diff_refs?.head_sha ?? '',
    diffRefs: a.diff_refs ?? null,
  });
  return deps.bot.dispatch({ kind: 'review', platform: 'gitlab', delivery, key: session.key, open: async () => [{ session }] });
}

/** A new note on a merge request that names the bot: its commands, unless the note is our own. */
function commandNote(deps: GitLabDeps, botUser: () => Promise<number | null>, note: GitLabNotePayload, delivery: string): Dispatched {
  const attributes = note.object_attributes;
  const mr = note.merge_request;
  if (attributes.noteable_type !== 'MergeRequest' || !mr || attributes.system) return 'ignored';
  if ((attributes.action && attributes.action !== 'create') || !attributes.note.includes('/safe-deploy')) return 'ignored';
  const session = mergeRequestSession(deps, botUser, {
    project: note.project,
    iid: mr.iid,
    ...(mr.target_project_id ? { targetProjectId: mr.target_project_id } : {}),
    ...(mr.source_project_id ? { sourceProjectId: mr.source_project_id } : {}),
    targetBranch: mr.target_branch,
    headSha: mr.last_commit?.id ?? '',
  });
  const open = async (): Promise<Opened | null> => (note.user.id === (await botUser()) ? null : { session });
  return deps.bot.dispatch({ kind: 'command', platform: 'gitlab', delivery, actor: { username: note.user.username, id: note.user.id }, comment: { id: attributes.id, body: attributes.note }, open });
}

/** What became of a delivery: queued (for the bot or durable mode's queue), a redelivery, or nothing to do. */
export type Delivered = 'queued' | 'duplicate' | 'ignored';

/** The hooks safe-deploy reads. */
export const GITLAB_EVENTS = ['Merge Request Hook', 'Note Hook'];

function isMergeRequestHook(event: string, payload: unknown): payload is MergeRequestHook {
  return event === 'Merge Request Hook' && (payload as { object_kind?: string } | null)?.object_kind === 'merge_request';
}

/** The merge request a delivery asks to review, by the key its session will have; none for other deliveries. */
export function gitlabReviewKey(event: string, payload: unknown): string | undefined {
  if (!isMergeRequestHook(event, payload) || !wantsReview(payload)) return undefined;
  return mergeRequestKey(payload.project.path_with_namespace, payload.object_attributes.iid);
}

/** Turns one verified GitLab delivery into the bot's event (in the server, or in a durable-mode worker). */
export function gitlabDispatcher(deps: GitLabDeps): (event: string, payload: unknown, delivery: string) => Delivered {
  const botUser = currentUser(deps.api);
  return (event, payload, delivery) => {
    const hook = payload as { object_kind?: string };
    const dispatched =
      isMergeRequestHook(event, payload)
        ? reviewHook(deps, botUser, payload, delivery)
        : event === 'Note Hook' && hook.object_kind === 'note'
          ? commandNote(deps, botUser, payload as GitLabNotePayload, delivery)
          : null;
    // Every delivery counts once, whether it makes an event or not.
    if (dispatched === 'duplicate' || ((dispatched === null || dispatched === 'ignored') && deps.bot.seen(delivery))) return 'duplicate';
    // A hook safe-deploy reads is taken ("ok") even when it asks for nothing (a closed merge request).
    return dispatched === null ? 'ignored' : 'queued';
  };
}

export interface GitLabWebhookOptions {
  secret: string;
  log: Log;
  /** Takes a verified delivery; throws when it cannot (durable mode without Redis), and the hook is answered 503 to be redelivered. */
  deliver(event: string, payload: unknown, delivery: string): Delivered | Promise<Delivered>;
}

export function gitlabWebhookHandler(options: GitLabWebhookOptions) {
  return async (req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<boolean> => {
    if (req.url?.split('?')[0] !== GITLAB_WEBHOOK_PATH) return false;
    if (req.method !== 'POST') return reply(res, 405, 'method not allowed');
    const token = req.headers['x-gitlab-token'];
    if (!tokenMatches(Array.isArray(token) ? token[0] : token, options.secret)) {
      options.log.warn({ path: GITLAB_WEBHOOK_PATH }, 'GitLab webhook with a missing or wrong token');
      return reply(res, 401, 'bad token');
    }
    let payload: unknown;
    try {
      payload = JSON.parse(body.toString('utf8')) as unknown;
    } catch {
      return reply(res, 400, 'malformed JSON');
    }
    const uuid = req.headers['x-gitlab-event-uuid'] ?? req.headers['idempotency-key'];
    const delivery = String(Array.isArray(uuid) ? uuid[0] : (uuid ?? `gitlab-${Date.now()}-${Math.random()}`));
    const event = String(req.headers['x-gitlab-event'] ?? '');
    let delivered: Delivered;
    try {
      delivered = await options.deliver(event, payload, delivery);
    } catch (error) {
      options.log.error({ err: error, delivery }, 'cannot take a GitLab delivery');
      return reply(res, 503, 'cannot take the delivery now; redeliver it');
    }
    return reply(res, 200, delivered === 'duplicate' ? 'already processed' : delivered === 'ignored' ? 'ignored' : 'ok');
  };
}
