// The Probot app: translates pull request events, check re-runs and comments
// into the bot's events. API calls (pull request look-ups) happen in `open()`,
// which the bot runs in its queue.
import type { ApplicationFunction, Context, ProbotOctokit } from 'probot';
import type { Bot } from '../../bot/bot.js';
import { APPROVALS_CHECK } from '../../bot/approvals.js';
import { counted } from '../../bot/failure.js';
import type { Opened } from '../../bot/events.js';
import type { BotMetrics } from '../../bot/metrics.js';
import { CHECK_NAME, GitHubSession, pullRequestKey, type PullRequestRef } from './session.js';

export interface GitHubAppDeps {
  appId: number;
  bot: Bot;
  metrics: BotMetrics;
}

type Octokit = InstanceType<typeof ProbotOctokit>;

interface PullRequestInfo {
  number: number;
  user?: { login: string } | null;
  /** head.repo is null once the fork is deleted. */
  head: { sha: string; repo: { id: number } | null };
  base: { ref: string; sha: string; repo: { id: number; clone_url: string; html_url: string; ssh_url?: string; name: string; owner: { login: string } } };
}

export const PULL_REQUEST_EVENTS = ['pull_request.opened', 'pull_request.synchronize', 'pull_request.reopened', 'pull_request.ready_for_review'] as const;
/** A review given, changed or dismissed: the approvals a change needs are asked again (renders come from the cache). */
export const REVIEW_EVENTS = ['pull_request_review.submitted', 'pull_request_review.edited', 'pull_request_review.dismissed'] as const;

/** The events the app reads (durable mode records only these). */
export const GITHUB_EVENTS = new Set(['pull_request', 'pull_request_review', 'check_run', 'issue_comment']);

/** Whether a delivery asks for a review: a push or the like, or a review that may change who approved (a comment-only one cannot). */
function asksReview(event: string, payload: { action?: string; review?: { state?: string } }): boolean {
  return [...PULL_REQUEST_EVENTS, ...REVIEW_EVENTS].some((name) => name === `${event}.${payload.action}`) && payload.review?.state?.toLowerCase() !== 'commented';
}

/** The pull request a delivery asks to review, by the key its session will have; none for other deliveries. */
export function githubReviewKey(event: string, payload: unknown): string | undefined {
  const { pull_request: pr } = payload as { pull_request?: Partial<PullRequestInfo> };
  if (!asksReview(event, payload as { action?: string })) return undefined;
  const repo = pr?.base?.repo;
  return repo && typeof pr.number === 'number' ? pullRequestKey(repo.owner.login, repo.name, pr.number) : undefined;
}

export function githubApp(deps: GitHubAppDeps): ApplicationFunction {
  const identity = { kind: 'app', appId: deps.appId } as const;
  /** The session of a pull request as the API (or the event) describes it. */
  const opened = (octokit: Octokit, pr: PullRequestInfo): Opened => {
    const base = pr.base.repo;
    const fromFork = pr.head.repo?.id !== base.id;
    const ref: PullRequestRef = { owner: base.owner.login, repo: base.name, number: pr.number, headSha: pr.head.sha, htmlUrl: base.html_url, ...(fromFork ? { fromFork } : {}), ...(pr.user ? { author: pr.user.login } : {}) };
    const code = { cloneUrl: base.clone_url, ...(base.ssh_url ? { sshUrl: base.ssh_url } : {}), baseBranch: pr.base.ref, baseSha: pr.base.sha };
    return { session: new GitHubSession(octokit, ref, deps.metrics, identity, code) };
  };
  /** A pull request that could not be read: its session can still report on the commit (number 0 when none is known) or reply. */
  const unread = (octokit: Octokit, ref: PullRequestRef, failure: unknown): Opened => ({ session: new GitHubSession(octokit, ref, deps.metrics, identity), failure });

  return (app) => {
    app.on([...PULL_REQUEST_EVENTS, ...REVIEW_EVENTS], async (context) => {
      if (!asksReview(context.name, context.payload)) return;
      const pr = context.payload.pull_request as unknown as PullRequestInfo;
      const found = opened(context.octokit, pr);
      deps.bot.dispatch({ kind: 'review', platform: 'github', delivery: context.id, log: context.log, key: found.session.key, open: async () => [found] });
    });

    app.on('check_run.rerequested', async (context: Context<'check_run.rerequested'>) => {
      // Re-running the approvals check asks the approvals again, through the whole (cached) review like a review event.
      if (context.payload.check_run.name !== CHECK_NAME && context.payload.check_run.name !== APPROVALS_CHECK) return;
      const { owner, repo } = context.repo();
      const octokit = context.octokit;
      const headSha = context.payload.check_run.head_sha;
      const ref = (number: number): PullRequestRef => ({ owner, repo, number, headSha, htmlUrl: context.payload.repository.html_url });
      const open = async (): Promise<Opened[]> => {
        let numbers: number[];
        try {
          // Fork pull requests are not listed on the check run: find them by commit.
          const listed = context.payload.check_run.pull_requests.map((p) => p.number);
          numbers = listed.length
            ? listed
            : (await counted(deps.metrics, 'github', () => octokit.rest.repos.listPullRequestsAssociatedWithCommit({ owner, repo, commit_sha: headSha }))).data.filter((p) => p.state === 'open').map((p) => p.number);
        } catch (error) {
          return [unread(octokit, ref(0), error)];
        }
        if (!numbers.length) context.log.info({ headSha, delivery: context.id }, 'no open pull request has the re-run commit');
        return Promise.all(
          numbers.map((number) =>
            counted(deps.metrics, 'github', () => octokit.rest.pulls.get({ owner, repo, pull_number: number })).then(
              ({ data }) => opened(octokit, data as unknown as PullRequestInfo),
              (error: unknown) => unread(octokit, ref(number), error),
            ),
          ),
        );
      };
      // Only users with write access can re-run a check: a fork's head is reviewed on their asking.
      deps.bot.dispatch({ kind: 'review', platform: 'github', delivery: context.id, log: context.log, maintainerAsked: true, open });
    });

    app.on('issue_comment.created', async (context: Context<'issue_comment.created'>) => {
      const { comment, issue } = context.payload;
      // Comments on plain issues, and any bot's comments (ours included), carry no commands.
      if (!issue.pull_request || !comment.user || comment.user.type === 'Bot' || comment.performed_via_github_app) return;
      if (!comment.body.includes('/safe-deploy')) return;
      const { owner, repo } = context.repo();
      const octokit = context.octokit;
      const open = () =>
        counted(deps.metrics, 'github', () => octokit.rest.pulls.get({ owner, repo, pull_number: issue.number })).then(
          ({ data }) => opened(octokit, data as unknown as PullRequestInfo),
          // No head is known: the session can only reply in the thread.
          (error: unknown) => unread(octokit, { owner, repo, number: issue.number, headSha: '', htmlUrl: context.payload.repository.html_url ?? '' }, error),
        );
      deps.bot.dispatch({ kind: 'command', platform: 'github', delivery: context.id, log: context.log, actor: { username: comment.user.login }, comment: { id: comment.id, body: comment.body }, open });
    });
  };
}
