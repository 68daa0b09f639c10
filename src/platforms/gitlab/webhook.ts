// POST /api/gitlab/webhooks: GitLab's Merge Request Hook starts a review; a new
// note on a merge request runs its slash-commands. The X-Gitlab-Token header is
// checked in constant time before the body (read and size-capped by the server) is parsed.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { MirrorCache } from '../../repo/mirror.js';
import type { BotMetrics } from '../../bot/metrics.js';
import { withRetry } from '../../util/retry.js';
import type { Role } from '../../commands/authorize.js';
import { handleComment, type CommandSurface } from '../../commands/handle.js';
import type { OverrideRecords } from '../../commands/override-record.js';
import { CONFIG_FILE, defaultConfig, parseConfig } from '../../config/load.js';
import { reviewMergeRequest } from '../../bot/review-job.js';
import type { Log } from '../../util/log.js';
import type { Reviewer } from '../../reviewer/index.js';
import type { ReviewScheduler, Ticket } from '../../bot/scheduler.js';
import type { RemoteCode } from '../../bot/session.js';
import { currentUser, GitLabSession, retryable, statusOf, type GitLabApi } from './session.js';

export const GITLAB_WEBHOOK_PATH = '/api/gitlab/webhooks';

export interface GitLabDeps {
  api: GitLabApi;
  secret: string;
  token: string;
  scheduler: ReviewScheduler;
  mirrors: MirrorCache;
  metrics: BotMetrics;
  log: Log;
  reviewer: Reviewer;
  /** Signs and reads override records (SAFE_DEPLOY_RECORD_KEY, else the webhook secret). */
  records: OverrideRecords;
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
    last_commit?: { id: string };
    diff_refs?: { base_sha?: string | null; head_sha?: string | null } | null;
  };
}

export interface GitLabNotePayload {
  object_kind: 'note';
  project: Project;
  user: { id: number; username: string };
  object_attributes: { id: number; note: string; noteable_type: string; action?: string; system?: boolean };
  merge_request?: { iid: number; target_branch: string; target_project_id?: number; last_commit?: { id: string } };
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

/** Open, reopen, and updates that bring new commits (oldrev) are reviewed; other actions are not. */
export function wantsReview(hook: MergeRequestHook): boolean {
  const { action, oldrev } = hook.object_attributes;
  return action === 'open' || action === 'reopen' || (action === 'update' && Boolean(oldrev));
}

interface MergeRequestInfo {
  project: Project;
  projectId: number;
  iid: number;
  targetBranch: string;
  /** From the hook; the API's diff_refs win when they differ. */
  headSha: string;
  diffRefs?: { base_sha?: string | null; head_sha?: string | null } | null;
}

/** Everything a review of one merge request head needs; `run` does the whole job. */
function prepare(deps: GitLabDeps, botUser: () => Promise<number | null>, info: MergeRequestInfo, delivery: string) {
  const { project, projectId, iid } = info;
  const session = new GitLabSession(deps.api, { projectId, projectPath: project.path_with_namespace, iid, headSha: info.headSha, webUrl: project.web_url }, deps.metrics, botUser);
  /** Base, head and head pipeline: the hook carries no pipeline, and older GitLab versions no diff_refs. */
  const code = async (): Promise<RemoteCode> => {
    const mr = await withRetry(() => deps.api.MergeRequests.show(projectId, iid), retryable).catch((error: unknown) => {
      deps.metrics.apiFailed('gitlab');
      throw error;
    });
    const refs = (mr.diff_refs ?? info.diffRefs) as { base_sha?: string; head_sha?: string } | null | undefined;
    const headSha = refs?.head_sha ?? info.headSha;
    const pipeline = mr.head_pipeline as { id?: number; sha?: string } | null | undefined;
    Object.assign(session.mr, { headSha, ...(pipeline?.id && pipeline.sha === headSha ? { pipelineId: pipeline.id } : {}) });
    if (!refs?.base_sha) throw new Error(`merge request !${iid} has no diff_refs yet`);
    return {
      cloneUrl: project.git_http_url,
      ...(/^https?:\/\//.test(project.git_http_url) ? { auth: { username: 'oauth2', token: deps.token } } : {}),
      baseRef: `refs/heads/${info.targetBranch}`,
      // Merge requests from forks are fetched from the target project too.
      headRef: `refs/merge-requests/${iid}/head`,
      baseSha: refs.base_sha,
      headSha,
      repoURLs: [project.git_http_url, project.web_url, ...(project.git_ssh_url ? [project.git_ssh_url] : [])],
    };
  };
  const review = async (ticket: Ticket) => {
    await reviewMergeRequest(session, code, ticket, { mirrors: deps.mirrors, metrics: deps.metrics, log: deps.log, reviewer: deps.reviewer, records: deps.records }, delivery);
  };
  /** Reviews now, as the newest review of this merge request. */
  const run = () => review(deps.scheduler.begin(session.key));
  return { session, code, review, run };
}

function scheduleReview(deps: GitLabDeps, botUser: () => Promise<number | null>, hook: MergeRequestHook, delivery: string): void {
  const a = hook.object_attributes;
  const prepared = prepare(
    deps,
    botUser,
    { project: hook.project, projectId: a.target_project_id ?? hook.project.id, iid: a.iid, targetBranch: a.target_branch, headSha: a.last_commit?.id ?? a.diff_refs?.head_sha ?? '', diffRefs: a.diff_refs ?? null },
    delivery,
  );
  const ticket = deps.scheduler.begin(prepared.session.key);
  deps.scheduler.submit(async () => {
    if (ticket.isCurrent()) await prepared.review(ticket);
  });
}

/** GitLab access levels on the common ladder. */
function roleOf(accessLevel: number): Role {
  if (accessLevel >= 50) return 'admin';
  if (accessLevel >= 40) return 'maintain';
  if (accessLevel >= 30) return 'write';
  return accessLevel >= 10 ? 'read' : 'none';
}

const EMOJI = { eyes: 'eyes', '+1': 'thumbsup', '-1': 'thumbsdown' } as const;

function commandSurface(deps: GitLabDeps, botUser: () => Promise<number | null>, note: GitLabNotePayload, delivery: string): CommandSurface {
  const mr = note.merge_request!;
  const projectId = mr.target_project_id ?? note.project.id;
  const prepared = prepare(
    deps,
    botUser,
    { project: note.project, projectId, iid: mr.iid, targetBranch: mr.target_branch, headSha: mr.last_commit?.id ?? '' },
    delivery,
  );
  let role: Promise<Role> | null = null;
  const surface: CommandSurface = {
    principal: {
      username: note.user.username,
      role: () => (role ??= deps.api.ProjectMembers.show(projectId, note.user.id, { includeInherited: true }).then((m) => roleOf(Number(m.access_level)), () => 'none' as Role)),
      memberOf: (group) => deps.api.GroupMembers.show(group, note.user.id, { includeInherited: true }).then(() => true, () => false),
    },
    headSha: mr.last_commit?.id ?? '',
    // The hook's head may be stale by now: the API says what it is.
    currentHead: async () => (await prepared.code()).headSha,
    records: deps.records,
    mergeRequest: prepared.session.key,
    commentLimit: prepared.session.commentLimit,
    reply: async (body) => {
      await prepared.session.createComment(body);
    },
    react: async (reaction) => {
      await deps.api.MergeRequestNoteAwardEmojis.award(projectId, mr.iid, note.object_attributes.id, EMOJI[reaction]);
    },
    baseConfig: async () => {
      const { baseSha: ref } = await prepared.code();
      try {
        return await parseConfig(String(await deps.api.RepositoryFiles.showRaw(projectId, CONFIG_FILE, ref)), CONFIG_FILE);
      } catch (error) {
        if (statusOf(error) === 404) return defaultConfig();
        throw error;
      }
    },
    comments: () => prepared.session.listComments(),
    review: async (targets) => {
      const code = await prepared.code();
      const repo = await deps.mirrors.fetch({ url: code.cloneUrl, ...(code.auth ? { auth: code.auth } : {}), refs: [code.baseRef, code.headRef], shas: [code.baseSha, code.headSha] });
      const overrides = deps.records.active(await prepared.session.listComments(), code.headSha, prepared.session.key, deps.log);
      return deps.reviewer.review({ repo, base: code.baseSha, head: code.headSha, ...(targets ? { targets } : {}) }, overrides);
    },
    rerun: prepared.run,
    log: deps.log,
  };
  return surface;
}

/** A new note on a merge request, not ours, that names the bot: run its commands. */
function handleNote(deps: GitLabDeps, botUser: () => Promise<number | null>, note: GitLabNotePayload, delivery: string): void {
  const attributes = note.object_attributes;
  if (attributes.noteable_type !== 'MergeRequest' || !note.merge_request || attributes.system) return;
  if ((attributes.action && attributes.action !== 'create') || !attributes.note.includes('/safe-deploy')) return;
  deps.scheduler.submit(async () => {
    try {
      if (note.user.id === (await botUser())) return;
      await handleComment(attributes.note, commandSurface(deps, botUser, note, delivery));
    } catch (error) {
      deps.log.error({ err: error, delivery }, 'cannot handle the note');
    }
  });
}

export function gitlabWebhookHandler(deps: GitLabDeps) {
  const botUser = currentUser(deps.api);
  return async (req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<boolean> => {
    if (req.url?.split('?')[0] !== GITLAB_WEBHOOK_PATH) return false;
    if (req.method !== 'POST') return reply(res, 405, 'method not allowed');
    const token = req.headers['x-gitlab-token'];
    if (!tokenMatches(Array.isArray(token) ? token[0] : token, deps.secret)) {
      deps.log.warn({ path: GITLAB_WEBHOOK_PATH }, 'GitLab webhook with a missing or wrong token');
      return reply(res, 401, 'bad token');
    }
    let payload: { object_kind?: string };
    try {
      payload = JSON.parse(body.toString('utf8')) as { object_kind?: string };
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
      handleNote(deps, botUser, payload as GitLabNotePayload, delivery);
      return reply(res, 200, 'ok');
    }
    return reply(res, 200, 'ignored');
  };
}
