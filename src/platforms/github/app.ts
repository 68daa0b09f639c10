// The Probot app: pull request events and check re-runs start a review; new
// comments on pull requests carry slash-commands.
import type { ApplicationFunction, Context, ProbotOctokit } from 'probot';
import type { Role } from '../../commands/authorize.js';
import { handleComment, type CommandSurface } from '../../commands/handle.js';
import { defaultConfig, parseConfig, CONFIG_FILE } from '../../config/load.js';
import type { OverrideRecords } from '../../commands/override-record.js';
import type { MirrorCache } from '../../repo/mirror.js';
import type { BotMetrics } from '../../bot/metrics.js';
import { escapeText } from '../../report/markdown-text.js';
import { failureMessage, reportEarlyFailure, reviewMergeRequest } from '../../bot/review-job.js';
import type { Log } from '../../util/log.js';
import type { Reviewer } from '../../reviewer/index.js';
import type { ReviewScheduler, Ticket } from '../../bot/scheduler.js';
import type { RemoteCode } from '../../bot/session.js';
import { CHECK_NAME, counted, GitHubSession } from './session.js';

export interface GitHubAppDeps {
  appId: number;
  scheduler: ReviewScheduler;
  mirrors: MirrorCache;
  metrics: BotMetrics;
  reviewer: Reviewer;
  /** Signs and reads override records (SAFE_DEPLOY_RECORD_KEY, else the webhook secret). */
  records: OverrideRecords;
}

type Octokit = InstanceType<typeof ProbotOctokit>;

interface PullRequestInfo {
  number: number;
  head: { sha: string };
  base: { ref: string; sha: string; repo: { clone_url: string; html_url: string; ssh_url?: string; name: string; owner: { login: string } } };
}

export const PULL_REQUEST_EVENTS = ['pull_request.opened', 'pull_request.synchronize', 'pull_request.reopened', 'pull_request.ready_for_review'] as const;

async function installationToken(octokit: Octokit, metrics: BotMetrics): Promise<string> {
  const auth = (await counted(metrics, () => octokit.auth({ type: 'installation' }))) as { token: string };
  return auth.token;
}

/** Everything a review of one pull request head needs; `run` does the whole job. */
function prepare(deps: GitHubAppDeps, octokit: Octokit, log: Log, pr: PullRequestInfo, delivery: string) {
  const base = pr.base.repo;
  const session = new GitHubSession(octokit, { owner: base.owner.login, repo: base.name, number: pr.number, headSha: pr.head.sha, htmlUrl: base.html_url }, deps.metrics, {
    kind: 'app',
    appId: deps.appId,
  });
  const code = async (): Promise<RemoteCode> => {
    const token = /^https?:\/\//.test(base.clone_url) ? await installationToken(octokit, deps.metrics) : null;
    return {
      cloneUrl: base.clone_url,
      ...(token ? { auth: { username: 'x-access-token', token } } : {}),
      baseRef: `refs/heads/${pr.base.ref}`,
      // Fork heads are fetched from the base repository.
      headRef: `refs/pull/${pr.number}/head`,
      baseSha: pr.base.sha,
      headSha: pr.head.sha,
      repoURLs: [base.clone_url, base.html_url, ...(base.ssh_url ? [base.ssh_url] : [])],
    };
  };
  const review = async (ticket: Ticket) => {
    await reviewMergeRequest(session, code, ticket, { mirrors: deps.mirrors, metrics: deps.metrics, log, reviewer: deps.reviewer, records: deps.records }, delivery);
  };
  /** Reviews now, as the newest review of this pull request. */
  const run = () => review(deps.scheduler.begin(session.key));
  return { session, code, review, run };
}

function schedule(deps: GitHubAppDeps, octokit: Octokit, log: Log, pr: PullRequestInfo, delivery: string): void {
  const prepared = prepare(deps, octokit, log, pr, delivery);
  const ticket = deps.scheduler.begin(prepared.session.key);
  deps.scheduler.submit(async () => {
    // A newer push arrived while this one waited for a slot: it will report.
    if (ticket.isCurrent()) await prepared.review(ticket);
  });
}

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

function commandSurface(deps: GitHubAppDeps, context: Context<'issue_comment.created'>, pr: PullRequestInfo): CommandSurface {
  const { owner, repo } = context.repo();
  const octokit = context.octokit;
  const username = context.payload.comment.user?.login ?? 'unknown';
  const commentId = context.payload.comment.id;
  const prepared = prepare(deps, octokit, context.log, pr, context.id);
  let role: Promise<Role> | null = null;
  return {
    principal: {
      username,
      role: () =>
        (role ??= octokit.rest.repos
          .getCollaboratorPermissionLevel({ owner, repo, username })
          .then((r) => roleOf((r.data as { role_name?: string }).role_name ?? r.data.permission), () => 'none' as Role)),
      memberOf: async (group) => {
        const [org, team] = group.split('/', 2);
        try {
          const { data } = await octokit.rest.teams.getMembershipForUserInOrg({ org: org!, team_slug: team!, username });
          return data.state === 'active';
        } catch {
          return false;
        }
      },
    },
    headSha: pr.head.sha,
    // Read from the API as the command is handled.
    currentHead: async () => pr.head.sha,
    records: deps.records,
    mergeRequest: prepared.session.key,
    commentLimit: prepared.session.commentLimit,
    reply: async (body) => {
      await octokit.rest.issues.createComment({ owner, repo, issue_number: pr.number, body });
    },
    react: async (reaction) => {
      await octokit.rest.reactions.createForIssueComment({ owner, repo, comment_id: commentId, content: reaction });
    },
    baseConfig: async () => {
      try {
        const { data } = await octokit.rest.repos.getContent({ owner, repo, path: CONFIG_FILE, ref: pr.base.sha });
        const content = (data as { content?: string }).content ?? '';
        return await parseConfig(Buffer.from(content, 'base64').toString('utf8'), CONFIG_FILE);
      } catch (error) {
        if ((error as { status?: number }).status === 404) return defaultConfig();
        throw error;
      }
    },
    comments: () => prepared.session.listComments(),
    review: async (targets) => {
      const code = await prepared.code();
      const repoDir = await deps.mirrors.fetch({ url: code.cloneUrl, ...(code.auth ? { auth: code.auth } : {}), refs: [code.baseRef, code.headRef], shas: [code.baseSha, code.headSha] });
      const overrides = deps.records.active(await prepared.session.listComments(), code.headSha, prepared.session.key, context.log);
      return deps.reviewer.review({ repo: repoDir, base: code.baseSha, head: code.headSha, ...(targets ? { targets } : {}) }, overrides);
    },
    rerun: prepared.run,
    log: context.log,
  };
}

export function githubApp(deps: GitHubAppDeps): ApplicationFunction {
  return (app) => {
    app.on([...PULL_REQUEST_EVENTS], async (context) => {
      if (!deps.scheduler.firstDelivery(context.id)) return;
      schedule(deps, context.octokit, context.log, context.payload.pull_request as unknown as PullRequestInfo, context.id);
    });

    app.on('check_run.rerequested', async (context: Context<'check_run.rerequested'>) => {
      if (context.payload.check_run.name !== CHECK_NAME || !deps.scheduler.firstDelivery(context.id)) return;
      const { owner, repo } = context.repo();
      const octokit = context.octokit;
      const headSha = context.payload.check_run.head_sha;
      /** The pull request could not be read: the re-run commit gets a failed check saying why (number 0 when no pull request is known). */
      const fail = (error: unknown, number = 0) => {
        const session = new GitHubSession(octokit, { owner, repo, number, headSha, htmlUrl: context.payload.repository.html_url }, deps.metrics, { kind: 'app', appId: deps.appId });
        deps.scheduler.submit(() => reportEarlyFailure(session, error, { metrics: deps.metrics, log: context.log }, context.id));
      };
      let numbers: number[];
      try {
        // Fork pull requests are not listed on the check run: find them by commit.
        const listed = context.payload.check_run.pull_requests.map((p) => p.number);
        numbers = listed.length
          ? listed
          : (await counted(deps.metrics, () => octokit.rest.repos.listPullRequestsAssociatedWithCommit({ owner, repo, commit_sha: headSha }))).data.filter((p) => p.state === 'open').map((p) => p.number);
      } catch (error) {
        fail(error);
        return;
      }
      for (const number of numbers) {
        try {
          const { data } = await counted(deps.metrics, () => octokit.rest.pulls.get({ owner, repo, pull_number: number }));
          schedule(deps, octokit, context.log, data as unknown as PullRequestInfo, context.id);
        } catch (error) {
          fail(error, number);
        }
      }
    });

    app.on('issue_comment.created', async (context: Context<'issue_comment.created'>) => {
      const { comment, issue } = context.payload;
      // Comments on plain issues, and any bot's comments (ours included), carry no commands.
      if (!issue.pull_request || !comment.user || comment.user.type === 'Bot' || comment.performed_via_github_app) return;
      if (!comment.body.includes('/safe-deploy') || !deps.scheduler.firstDelivery(context.id)) return;
      deps.scheduler.submit(async () => {
        const { owner, repo } = context.repo();
        let pr: PullRequestInfo;
        try {
          pr = (await counted(deps.metrics, () => context.octokit.rest.pulls.get({ owner, repo, pull_number: issue.number }))).data as unknown as PullRequestInfo;
        } catch (error) {
          // No head is known, so no check can say it: the answer goes to the thread.
          context.log.error({ err: error, delivery: context.id }, 'cannot read the pull request of a command');
          const reason = escapeText(failureMessage(error, 'github', context.id));
          await context.octokit.rest.issues
            .createComment({ owner, repo, issue_number: issue.number, body: `safe-deploy could not read this pull request to run the command: ${reason}` })
            .catch((replyError: unknown) => context.log.error({ err: replyError, delivery: context.id }, 'cannot reply'));
          return;
        }
        try {
          await handleComment(comment.body, commandSurface(deps, context, pr));
        } catch (error) {
          context.log.error({ err: error, delivery: context.id }, 'cannot handle the comment');
        }
      });
    });
  };
}
