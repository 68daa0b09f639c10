// A merge request on GitLab: the `safe-deploy` commit status (on the head
// pipeline when there is one) and the one review note.
import { linkPath } from '../../report/markdown-text.js';
import type { Gitlab } from '@gitbeaker/rest';
import type { BotMetrics } from '../../bot/metrics.js';
import { withRetry } from '../../util/retry.js';
import { statusLine } from '../../report/status.js';
import type { MergeRequestSession, StatusReport, ThreadComment } from '../../bot/session.js';

export const STATUS_NAME = 'safe-deploy';
const STATE = { running: 'running', success: 'success', failure: 'failed', cancelled: 'canceled' } as const;
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
  ) {
    this.key = `${mr.projectPath}!${mr.iid}`;
  }

  /** Retries server errors with backoff and jitter; counts what still fails. */
  private async call<T>(request: () => Promise<T>): Promise<T> {
    try {
      return await withRetry(request, retryable);
    } catch (error) {
      this.metrics.apiFailed('gitlab');
      throw error;
    }
  }

  sourceLink(file: string, line?: number): string {
    const path = linkPath(file);
    return `${this.mr.webUrl}/-/blob/${this.mr.headSha}/${path}${line ? `#L${line}` : ''}`;
  }

  async setStatus(report: StatusReport): Promise<void> {
    const { projectId, headSha, pipelineId, iid, webUrl } = this.mr;
    try {
      await this.call(() =>
        this.api.Commits.editStatus(projectId, headSha, STATE[report.state], {
          name: STATUS_NAME,
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

  async updateComment(id: ThreadComment['id'], body: string): Promise<void> {
    await this.call(() => this.api.MergeRequestNotes.edit(this.mr.projectId, this.mr.iid, Number(id), { body }));
  }
}
