// A merge request on GitLab: its code, the `safe-deploy` commit status (on the
// head pipeline when there is one), the one review note, and what commands need
// (award emoji, members, files).
import type { Gitlab } from '@gitbeaker/rest';
import type { BotMetrics } from '../../bot/metrics.js';
import type { Actor, CodeSource, CommentId, LocalCode, MergeRequestSession, Reaction, StatusReport, ThreadComment } from '../../bot/session.js';
import type { Principal, Role } from '../../commands/authorize.js';
import { linkPath } from '../../report/markdown-text.js';
import { statusLine } from '../../report/status.js';
import { withRetry, type RetryOptions } from '../../util/retry.js';

export const STATUS_NAME = 'safe-deploy';
// A status GitLab counts as failed keeps "Pipelines must succeed" blocking while a fork's head awaits a maintainer.
const STATE = { running: 'running', success: 'success', failure: 'failed', cancelled: 'canceled', 'action-required': 'failed' } as const;
const MAX_DESCRIPTION = 255;

export type GitLabApi = InstanceType<typeof Gitlab>;

export interface MergeRequestRef {
  projectId: number;
  /** "group/project", for keys and logs. */
  projectPath: string;
  iid: number;
  headSha: string;
  /** https://gitlab.example.com/group/project */
  webUrl: string;
  /** The head pipeline, when one exists: the status joins it so "Pipelines must succeed" waits for it. */
  pipelineId?: number;
  /** The source branch is in another project (a fork). */
  fromFork?: boolean;
  /** Who opened the merge request (from the API): their own approval never counts. */
  author?: string;
}

/** Where the server fetches a merge request's code from: the target project, with the bot's token. */
export interface MergeRequestCode {
  httpUrl: string;
  sshUrl?: string;
  token: string;
  targetBranch: string;
  /** From the hook, for GitLab versions whose API has none. */
  diffRefs?: { base_sha?: string | null; head_sha?: string | null } | null;
}

/** GitLab access levels on the common ladder. */
function roleOf(accessLevel: number): Role {
  if (accessLevel >= 50) return 'admin';
  if (accessLevel >= 40) return 'maintain';
  if (accessLevel >= 30) return 'write';
  return accessLevel >= 10 ? 'read' : 'none';
}

const EMOJI = { eyes: 'eyes', '+1': 'thumbsup', '-1': 'thumbsdown' } as const;

/** `absent` for a 404 (no such member or file): an answer, not a failure. */
async function unlessNotFound<T>(request: Promise<T>, absent: T): Promise<T> {
  try {
    return await request;
  } catch (error) {
    if (statusOf(error) === 404) return absent;
    throw error;
  }
}

/** The HTTP status of a failed gitbeaker call, when it has one. */
export function statusOf(error: unknown): number | undefined {
  const cause = (error as { cause?: { response?: { status?: number } } })?.cause;
  return cause?.response?.status;
}

/** Server errors and rate limits are worth another try; client errors are not. */
export function retryable(error: unknown): boolean {
  const status = statusOf(error);
  return status === undefined ? (error as Error)?.name === 'GitbeakerTimeoutError' : status >= 500 || status === 429;
}

/** The id of the user the token acts as, asked once (again after a failure). */
export function currentUser(api: GitLabApi): () => Promise<number | null> {
  let user: Promise<number | null> | null = null;
  return () =>
    (user ??= api.Users.showCurrentUser().then(
      (u) => u.id,
      () => {
        user = null;
        return null;
      },
    ));
}

/** A merge request's key: its reviews supersede each other, its commands run one at a time. */
export const mergeRequestKey = (projectPath: string, iid: number): string => `${projectPath}!${iid}`;

export class GitLabSession implements MergeRequestSession {
  readonly platform = 'gitlab' as const;
  readonly commentLimit = 1_000_000;
  readonly statusLimit = 0;
  readonly key: string;

  constructor(
    private readonly api: GitLabApi,
    readonly mr: MergeRequestRef,
    private readonly metrics: BotMetrics,
    /** The user the token acts as: only its notes are ours to edit. */
    private readonly botUserId: () => Promise<number | null>,
    /** The merge request's code: read from the API (server), or the CI checkout. */
    private readonly source: MergeRequestCode | LocalCode,
    /** How failed calls are retried (tests keep retries without waiting). */
    private readonly retry: RetryOptions = {},
  ) {
    this.key = mergeRequestKey(mr.projectPath, mr.iid);
  }

  get headSha(): string {
    return this.mr.headSha;
  }

  get fromFork(): boolean {
    return this.mr.fromFork === true;
  }

  /** Base, head and head pipeline as the API says them now: the hook carries no pipeline, and older GitLab versions no diff_refs. */
  async code(): Promise<CodeSource> {
    const source = this.source;
    if ('repo' in source) return source;
    const { projectId, iid } = this.mr;
    const mr = await this.call(() => this.api.MergeRequests.show(projectId, iid));
    const refs = (mr.diff_refs ?? source.diffRefs) as { base_sha?: string; head_sha?: string } | null | undefined;
    const headSha = refs?.head_sha ?? this.mr.headSha;
    const pipeline = mr.head_pipeline as { id?: number; sha?: string } | null | undefined;
    // Statuses go to the head the API names, on its pipeline.
    const author = (mr.author as { username?: string } | undefined)?.username;
    // The API says where the source branch lives, whatever the hook carried: the fork gate goes by it.
    const sourceProject = mr.source_project_id as number | undefined;
    const fromFork = this.mr.fromFork === true || (sourceProject !== undefined && sourceProject !== (mr.target_project_id ?? projectId));
    Object.assign(this.mr, { headSha, fromFork, ...(pipeline?.id && pipeline.sha === headSha ? { pipelineId: pipeline.id } : {}), ...(author ? { author } : {}) });
    if (!refs?.base_sha) throw new Error(`merge request !${iid} has no diff_refs yet`);
    return {
      cloneUrl: source.httpUrl,
      ...(/^https?:\/\//.test(source.httpUrl) ? { auth: { username: 'oauth2', token: source.token } } : {}),
      baseRef: `refs/heads/${source.targetBranch}`,
      // Merge requests from forks are fetched from the target project too.
      headRef: `refs/merge-requests/${iid}/head`,
      baseSha: refs.base_sha,
      headSha,
      repoURLs: [source.httpUrl, this.mr.webUrl, ...(source.sshUrl ? [source.sshUrl] : [])],
    };
  }

  /** Retries server errors with backoff and jitter; counts what still fails. */
  private async call<T>(request: () => Promise<T>): Promise<T> {
    try {
      return await withRetry(request, retryable, this.retry);
    } catch (error) {
      this.metrics.apiFailed('gitlab');
      throw error;
    }
  }

  sourceLink(file: string, line?: number): string {
    const path = linkPath(file);
    return `${this.mr.webUrl}/-/blob/${this.mr.headSha}/${path}${line ? `#L${line}` : ''}`;
  }

  setStatus(report: StatusReport): Promise<void> {
    return this.setNamedStatus(STATUS_NAME, report);
  }

  async approvers(headSha: string): Promise<Actor[]> {
    const { projectId, iid, author } = this.mr;
    const [state, versions] = await Promise.all([
      this.call(() => this.api.MergeRequestApprovals.showConfiguration(projectId, { mergerequestIId: iid })),
      this.call(() => this.api.MergeRequests.allDiffVersions(projectId, iid)),
    ]);
    // When the head was pushed: an approval given before it approved other code. The latest version with that head counts.
    const pushed = Math.max(...versions.filter((v) => v.head_commit_sha === headSha).map((v) => Date.parse(String(v.created_at))));
    if (!Number.isFinite(pushed)) return [];
    const approved = ((state as { approved_by?: unknown }).approved_by ?? []) as Array<{ user?: { id: number; username: string }; approved_at?: string }>;
    return approved.flatMap(({ user, approved_at }) =>
      user && approved_at && Date.parse(approved_at) >= pushed && user.username.toLowerCase() !== author?.toLowerCase() ? [{ username: user.username, id: user.id }] : [],
    );
  }

  async setNamedStatus(name: string, report: StatusReport): Promise<void> {
    const { projectId, headSha, pipelineId, iid, webUrl } = this.mr;
    try {
      await this.call(() =>
        this.api.Commits.editStatus(projectId, headSha, STATE[report.state], {
          name,
          description: statusLine(report, MAX_DESCRIPTION),
          targetUrl: `${webUrl}/-/merge_requests/${iid}`,
          ...(pipelineId ? { pipelineId } : {}),
        }),
      );
    } catch (error) {
      // GitLab refuses to set a status to the state it already has; the status is what we wanted.
      if (statusOf(error) === 400 && /cannot transition status/i.test((error as Error).message ?? '')) return;
      throw error;
    }
  }

  async listComments(): Promise<ThreadComment[]> {
    const [notes, me] = await Promise.all([this.call(() => this.api.MergeRequestNotes.all(this.mr.projectId, this.mr.iid, { sort: 'asc', orderBy: 'created_at' })), this.botUserId()]);
    // Without knowing who we are, no note can be trusted or edited as ours.
    if (me === null) throw new Error('cannot tell which GitLab user the token belongs to (GET /user failed)');
    return notes.filter((n) => !n.system).map((n) => ({ id: n.id, body: n.body, author: n.author.username, own: n.author.id === me }));
  }

  async createComment(body: string): Promise<void> {
    await this.call(() => this.api.MergeRequestNotes.create(this.mr.projectId, this.mr.iid, body));
  }

  async updateComment(id: CommentId, body: string): Promise<void> {
    await this.call(() => this.api.MergeRequestNotes.edit(this.mr.projectId, this.mr.iid, Number(id), { body }));
  }

  async react(comment: CommentId, reaction: Reaction): Promise<void> {
    await this.call(() => this.api.MergeRequestNoteAwardEmojis.award(this.mr.projectId, this.mr.iid, Number(comment), EMOJI[reaction]));
  }

  principal(actor: Actor): Principal {
    const id = actor.id;
    if (id === undefined) throw new Error(`GitLab user ${actor.username} has no id`);
    return {
      username: actor.username,
      role: () => this.call(() => unlessNotFound(this.api.ProjectMembers.show(this.mr.projectId, id, { includeInherited: true }).then((m) => roleOf(Number(m.access_level))), 'none' as Role)),
      memberOf: (group) => this.call(() => unlessNotFound(this.api.GroupMembers.show(group, id, { includeInherited: true }).then(() => true), false)),
    };
  }

  async readFile(path: string, ref: string): Promise<string | null> {
    return this.call(() => unlessNotFound(this.api.RepositoryFiles.showRaw(this.mr.projectId, path, ref).then(String), null));
  }
}
