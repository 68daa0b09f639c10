// A pull request on GitHub: the `safe-deploy` check run and the one review comment.
import { linkPath } from '../../report/markdown-text.js';
import type { ProbotOctokit } from 'probot';
import type { BotMetrics } from '../../bot/metrics.js';
import { statusLine } from '../../report/status.js';
import type { Annotation, MergeRequestSession, StatusReport, ThreadComment } from '../../bot/session.js';

export const CHECK_NAME = 'safe-deploy';
const ANNOTATION_BATCH = 50;
const CONCLUSION = { success: 'success', failure: 'failure', cancelled: 'cancelled' } as const;

type Octokit = InstanceType<typeof ProbotOctokit>;

export interface PullRequestRef {
  owner: string;
  repo: string;
  number: number;
  headSha: string;
  /** https://github.com/owner/repo, for source links. */
  htmlUrl: string;
}

/**
 * How the review is reported and who "we" are: the App reports a check run and
 * owns the comments it made; a CI token reports a commit status and owns the
 * comments of its login (github-actions[bot]).
 */
export type GitHubIdentity = { kind: 'app'; appId: number } | { kind: 'token'; login: string; targetUrl?: string };

/** Counts a failed GitHub API call, then lets it fail. */
export async function counted<T>(metrics: BotMetrics, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    metrics.apiFailed('github');
    throw error;
  }
}

const COMMIT_STATE = { running: 'pending', success: 'success', failure: 'failure', cancelled: 'error' } as const;
const MAX_STATUS_DESCRIPTION = 140;

export class GitHubSession implements MergeRequestSession {
  readonly platform = 'github' as const;
  readonly commentLimit = 65_536;
  readonly statusLimit: number;
  readonly key: string;
  private checkRunId: number | null = null;

  constructor(
    private readonly octokit: Octokit,
    private readonly pr: PullRequestRef,
    private readonly metrics: BotMetrics,
    private readonly identity: GitHubIdentity,
  ) {
    this.key = `${pr.owner}/${pr.repo}#${pr.number}`;
    this.statusLimit = identity.kind === 'app' ? 65_535 : 0;
  }

  private api<T>(call: () => Promise<T>): Promise<T> {
    return counted(this.metrics, call);
  }

  sourceLink(file: string, line?: number): string {
    const path = linkPath(file);
    return `${this.pr.htmlUrl}/blob/${this.pr.headSha}/${path}${line ? `#L${line}` : ''}`;
  }

  setStatus(report: StatusReport): Promise<void> {
    return this.identity.kind === 'app' ? this.setCheckRun(report) : this.setCommitStatus(report, this.identity.targetUrl);
  }

  private async setCommitStatus(report: StatusReport, targetUrl: string | undefined): Promise<void> {
    const { owner, repo } = this.pr;
    const description = statusLine(report, MAX_STATUS_DESCRIPTION);
    await this.api(() =>
      this.octokit.rest.repos.createCommitStatus({ owner, repo, sha: this.pr.headSha, state: COMMIT_STATE[report.state], context: CHECK_NAME, description, ...(targetUrl ? { target_url: targetUrl } : {}) }),
    );
  }

  private async setCheckRun(report: StatusReport): Promise<void> {
    const { owner, repo } = this.pr;
    if (this.checkRunId === null) {
      const created = await this.api(() =>
        this.octokit.rest.checks.create({ owner, repo, name: CHECK_NAME, head_sha: this.pr.headSha, status: 'in_progress', started_at: new Date().toISOString(), output: { title: report.title, summary: report.summary ?? report.title } }),
      );
      this.checkRunId = created.data.id;
      if (report.state === 'running') return;
    } else if (report.state === 'running') {
      return;
    }
    const output = (annotations: Annotation[]) => ({
      title: report.title,
      summary: report.summary ?? report.title,
      annotations: annotations.map((a) => ({ path: a.file, start_line: a.line, end_line: a.line, annotation_level: a.level, title: a.title, message: a.message })),
    });
    const all = report.annotations ?? [];
    const batches: Annotation[][] = [];
    for (let i = 0; i < all.length; i += ANNOTATION_BATCH) batches.push(all.slice(i, i + ANNOTATION_BATCH));
    const last = batches.pop() ?? [];
    // GitHub appends annotations on each update: all batches but the last first, then the conclusion with the last.
    for (const batch of batches) {
      await this.api(() => this.octokit.rest.checks.update({ owner, repo, check_run_id: this.checkRunId!, output: output(batch) }));
    }
    await this.api(() =>
      this.octokit.rest.checks.update({
        owner,
        repo,
        check_run_id: this.checkRunId!,
        status: 'completed',
        conclusion: CONCLUSION[report.state as keyof typeof CONCLUSION],
        completed_at: new Date().toISOString(),
        output: output(last),
      }),
    );
  }

  async listComments(): Promise<ThreadComment[]> {
    const { owner, repo, number } = this.pr;
    const comments = await this.api(() => this.octokit.paginate(this.octokit.rest.issues.listComments, { owner, repo, issue_number: number, per_page: 100 }));
    const identity = this.identity;
    return comments.map((c) => ({
      id: c.id,
      body: c.body ?? '',
      author: c.user?.login ?? '',
      // A person (or another bot) quoting our markers must never be taken for us.
      own: identity.kind === 'app' ? c.performed_via_github_app?.id === identity.appId : c.user?.login === identity.login,
    }));
  }

  async createComment(body: string): Promise<void> {
    const { owner, repo, number } = this.pr;
    await this.api(() => this.octokit.rest.issues.createComment({ owner, repo, issue_number: number, body }));
  }

  async updateComment(id: ThreadComment['id'], body: string): Promise<void> {
    const { owner, repo } = this.pr;
    await this.api(() => this.octokit.rest.issues.updateComment({ owner, repo, comment_id: Number(id), body }));
  }
}
