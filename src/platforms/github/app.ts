// The Probot app: pull request events and check re-runs start a review.
import type { ApplicationFunction, Context, ProbotOctokit } from 'probot';
import type { MirrorCache } from '../../repo/mirror.js';
import type { Metrics } from '../../server/metrics.js';
import { reviewMergeRequest, type Log } from '../review-job.js';
import type { ReviewScheduler } from '../scheduler.js';
import { CHECK_NAME, GitHubSession } from './session.js';

export interface GitHubAppDeps {
  appId: number;
  scheduler: ReviewScheduler;
  mirrors: MirrorCache;
  metrics: Metrics;
}

type Octokit = InstanceType<typeof ProbotOctokit>;

interface PullRequestInfo {
  number: number;
  head: { sha: string };
  base: { ref: string; sha: string; repo: { clone_url: string; html_url: string; name: string; owner: { login: string } } };
}

export const PULL_REQUEST_EVENTS = ['pull_request.opened', 'pull_request.synchronize', 'pull_request.reopened', 'pull_request.ready_for_review'] as const;

async function installationToken(octokit: Octokit): Promise<string> {
  const auth = (await octokit.auth({ type: 'installation' })) as { token: string };
  return auth.token;
}

function schedule(deps: GitHubAppDeps, octokit: Octokit, log: Log, pr: PullRequestInfo, delivery: string): void {
  const base = pr.base.repo;
  const session = new GitHubSession(octokit, { owner: base.owner.login, repo: base.name, number: pr.number, headSha: pr.head.sha, htmlUrl: base.html_url }, deps.metrics, {
    kind: 'app',
    appId: deps.appId,
  });
  const ticket = deps.scheduler.begin(session.key);
  deps.scheduler.submit(async () => {
    // A newer push arrived while this one waited for a slot: it will report.
    if (!ticket.isCurrent()) return;
    const cloneUrl = base.clone_url;
    const token = /^https?:\/\//.test(cloneUrl) ? await installationToken(octokit) : null;
    await reviewMergeRequest(
      session,
      {
        cloneUrl,
        ...(token ? { auth: { username: 'x-access-token', token } } : {}),
        baseRef: `refs/heads/${pr.base.ref}`,
        // Fork heads are fetched from the base repository.
        headRef: `refs/pull/${pr.number}/head`,
        baseSha: pr.base.sha,
        headSha: pr.head.sha,
      },
      ticket,
      { mirrors: deps.mirrors, metrics: deps.metrics, log },
      delivery,
    );
  });
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
      const headSha = context.payload.check_run.head_sha;
      try {
        // Fork pull requests are not listed on the check run: find them by commit.
        const listed = context.payload.check_run.pull_requests.map((p) => p.number);
        const numbers = listed.length
          ? listed
          : (await context.octokit.rest.repos.listPullRequestsAssociatedWithCommit({ owner, repo, commit_sha: headSha })).data.filter((p) => p.state === 'open').map((p) => p.number);
        for (const number of numbers) {
          const { data } = await context.octokit.rest.pulls.get({ owner, repo, pull_number: number });
          schedule(deps, context.octokit, context.log, data as unknown as PullRequestInfo, context.id);
        }
      } catch (error) {
        deps.metrics.apiFailed('github');
        context.log.error({ err: error, delivery: context.id }, 'cannot rerun the check');
      }
    });
  };
}
