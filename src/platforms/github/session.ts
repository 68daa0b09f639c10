// A pull request on GitHub: its code, the `safe-deploy` check run, the one
// review comment, and what commands need (reactions, permissions, files).
import { isResumed } from '../../bot/resumed.js';
import type { ProbotOctokit } from 'probot';
import { apiStatus, counted } from '../../bot/failure.js';
import type { BotMetrics } from '../../bot/metrics.js';
import type { Actor, Annotation, CodeSource, CommentId, LocalCode, MergeRequestSession, Reaction, StatusReport, ThreadComment } from '../../bot/session.js';
import type { Principal, Role } from '../../commands/authorize.js';
import { linkPath } from '../../report/markdown-text.js';
import { statusLine } from '../../report/status.js';

export const CHECK_NAME = 'safe-deploy';
const ANNOTATION_BATCH = 50;
const CONCLUSION = { success: 'success', failure: 'failure', cancelled: 'cancelled', 'action-required': 'action_required' } as const;

type Octokit = InstanceType<typeof ProbotOctokit>;

export interface PullRequestRef {
  owner: string;
  repo: string;
  number: number;
  headSha: string;
  /** https://github.com/owner/repo, for source links. */
  htmlUrl: string;
  /** The head branch is in another repository (a fork, or one since deleted). */
  fromFork?: boolean;
  /** Who opened the pull request: their own approval never counts. */
  author?: string;
}

/** Where the App fetches a pull request's code from: the base repository, with an installation token. */
export interface PullRequestCode {
  cloneUrl: string;
  sshUrl?: string;
  baseBranch: string;
  baseSha: string;
}

/**
 * How the review is reported and who "we" are: the App reports a check run and
 * owns the comments it made; a CI token reports a commit status and owns the
 * comments of its login (github-actions[bot]).
 */
export type GitHubIdentity = { kind: 'app'; appId: number } | { kind: 'token'; login: string; targetUrl?: string };

/** GitHub's permission names on the common ladder (role_name carries maintain and triage). */
function roleOf(permission: string | undefined): Role {
  switch (permission) {
    case 'admin':
      return 'admin';
    case 'maintain':
      return 'maintain';
    case 'write':
    case 'push':
      return 'write';
    case 'triage':
    case 'read':
    case 'pull':
      return 'read';
    default:
      return 'none';
  }
}

/** `absent` for a 404 (no such user, membership or file): an answer, not a failure. */
function unlessNotFound<T>(request: Promise<T>, absent: T): Promise<T> {
  return request.catch((error: unknown) => {
    if (apiStatus(error) === 404) return absent;
    throw error;
  });
}

const COMMIT_STATE = { running: 'pending', success: 'success', failure: 'failure', cancelled: 'error', 'action-required': 'failure' } as const;
const MAX_STATUS_DESCRIPTION = 140;
const DECIDING = new Set(['APPROVED', 'CHANGES_REQUESTED', 'DISMISSED']);

/** A pull request's key: its reviews supersede each other, its commands run one at a time. */
export const pullRequestKey = (owner: string, repo: string, number: number): string => `${owner}/${repo}#${number}`;

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
    /** The pull request's code; none when the pull request itself could not be read. */
    private readonly source?: PullRequestCode | LocalCode,
  ) {
    this.key = pullRequestKey(pr.owner, pr.repo, pr.number);
    this.statusLimit = identity.kind === 'app' ? 65_535 : 0;
  }

  get headSha(): string {
    return this.pr.headSha;
  }

  get fromFork(): boolean {
    return this.pr.fromFork === true;
  }

  private api<T>(call: () => Promise<T>): Promise<T> {
    return counted(this.metrics, 'github', call);
  }

  async code(): Promise<CodeSource> {
    const source = this.source;
    if (!source) throw new Error(`the code of ${this.key} is not known`);
    if ('repo' in source) return source;
    const { cloneUrl, sshUrl } = source;
    const token = /^https?:\/\//.test(cloneUrl) ? ((await this.api(() => this.octokit.auth({ type: 'installation' }))) as { token: string }).token : null;
    return {
      cloneUrl,
      ...(token ? { auth: { username: 'x-access-token', token } } : {}),
      baseRef: `refs/heads/${source.baseBranch}`,
      // Fork heads are fetched from the base repository.
      headRef: `refs/pull/${this.pr.number}/head`,
      baseSha: source.baseSha,
      headSha: this.pr.headSha,
      repoURLs: [cloneUrl, this.pr.htmlUrl, ...(sshUrl ? [sshUrl] : [])],
    };
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
    if (this.checkRunId === null && isResumed()) {
      // The worker that began this review died: its check run, still in progress, is this review's.
      const running = await this.api(() => this.octokit.rest.checks.listForRef({ owner, repo, ref: this.pr.headSha, check_name: CHECK_NAME, status: 'in_progress' }));
      this.checkRunId = running.data.check_runs[0]?.id ?? null;
    }
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

  async setNamedStatus(name: string, report: StatusReport): Promise<void> {
    const { owner, repo, headSha } = this.pr;
    if (this.identity.kind === 'token') {
      const description = statusLine(report, MAX_STATUS_DESCRIPTION);
      await this.api(() => this.octokit.rest.repos.createCommitStatus({ owner, repo, sha: headSha, state: COMMIT_STATE[report.state], context: name, description }));
      return;
    }
    const conclusion = CONCLUSION[report.state as keyof typeof CONCLUSION];
    const output = { title: report.title, summary: report.summary ?? report.title };
    await this.api(() => this.octokit.rest.checks.create({ owner, repo, name, head_sha: headSha, status: 'completed', conclusion, output }));
  }

  async approvers(headSha: string): Promise<Actor[]> {
    const { owner, repo, number, author } = this.pr;
    const reviews = await this.api(() => this.octokit.paginate(this.octokit.rest.pulls.listReviews, { owner, repo, pull_number: number, per_page: 100 }));
    // Each reviewer's latest deciding review stands (a comment decides nothing); it counts only on the head itself.
    const latest = new Map<string, (typeof reviews)[number]>();
    for (const r of reviews) if (r.user && DECIDING.has(r.state)) latest.set(r.user.login.toLowerCase(), r);
    return [...latest.values()]
      .filter((r) => r.state === 'APPROVED' && r.commit_id === headSha && r.user!.login.toLowerCase() !== author?.toLowerCase())
      .map((r) => ({ username: r.user!.login, id: r.user!.id }));
  }

  async createComment(body: string): Promise<void> {
    const { owner, repo, number } = this.pr;
    await this.api(() => this.octokit.rest.issues.createComment({ owner, repo, issue_number: number, body }));
  }

  async updateComment(id: CommentId, body: string): Promise<void> {
    const { owner, repo } = this.pr;
    await this.api(() => this.octokit.rest.issues.updateComment({ owner, repo, comment_id: Number(id), body }));
  }

  async react(comment: CommentId, reaction: Reaction): Promise<void> {
    const { owner, repo } = this.pr;
    await this.api(() => this.octokit.rest.reactions.createForIssueComment({ owner, repo, comment_id: Number(comment), content: reaction }));
  }

  principal(actor: Actor): Principal {
    const { owner, repo } = this.pr;
    const username = actor.username;
    return {
      username,
      role: () =>
        this.api(() =>
          unlessNotFound(
            this.octokit.rest.repos.getCollaboratorPermissionLevel({ owner, repo, username }).then((r) => roleOf((r.data as { role_name?: string }).role_name ?? r.data.permission)),
            'none' as Role,
          ),
        ),
      memberOf: (group) => {
        const [org, team] = group.split('/', 2);
        return this.api(() => unlessNotFound(this.octokit.rest.teams.getMembershipForUserInOrg({ org: org!, team_slug: team!, username }).then((r) => r.data.state === 'active'), false));
      },
    };
  }

  async readFile(path: string, ref: string): Promise<string | null> {
    const { owner, repo } = this.pr;
    const content = await this.api(() => unlessNotFound(this.octokit.rest.repos.getContent({ owner, repo, path, ref }).then((r) => (r.data as { content?: string }).content ?? ''), null));
    return content === null ? null : Buffer.from(content, 'base64').toString('utf8');
  }
}
