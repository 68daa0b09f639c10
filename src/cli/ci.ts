// `safe-deploy ci`: inside a GitHub Actions or GitLab CI job, review the checkout
// the job runs in; on a merge request, post the comment and the status like the
// server would (same review job), then exit with the verdict (DESIGN §4).
import { readFile } from 'node:fs/promises';
import { OverrideRecords } from '../commands/override-record.js';
import { Gitlab } from '@gitbeaker/rest';
import { pino } from 'pino';
import { UserError } from '../errors.js';
import { githubOctokit } from '../platforms/github/octokit.js';
import { GitHubSession } from '../platforms/github/session.js';
import { currentUser, GitLabSession } from '../platforms/gitlab/session.js';
import { reviewMergeRequest } from '../bot/review-job.js';
import { soleTicket } from '../bot/scheduler.js';
import type { LocalCode, MergeRequestSession } from '../bot/session.js';
import { renderMarkdown } from '../report/markdown.js';
import { git, resolveCommit } from '../repo/git.js';
import { runReview } from '../review.js';
import { noMetrics, type BotMetrics, type ReviewOutcome } from '../bot/metrics.js';

const NO_COMMIT = /^0+$/;
const EXIT: Record<ReviewOutcome, number> = { pass: 0, 'no-changes': 0, superseded: 0, fail: 1, error: 2 };

interface MergeRequestJob {
  session: MergeRequestSession;
  code: LocalCode;
  /** Override records are read with SAFE_DEPLOY_RECORD_KEY, else the job's token: a server's records verify only with a shared key. */
  records: OverrideRecords;
}

/** Makes sure both commits are in the checkout (a shallow clone may lack the base). */
async function ensureCommits(repo: string, shas: string[]): Promise<void> {
  for (const sha of shas) {
    try {
      await resolveCommit(repo, sha);
    } catch {
      try {
        await git(repo, ['fetch', '--no-tags', '--quiet', 'origin', sha]);
      } catch {
        throw new UserError(`commit ${sha} is not in the checkout and cannot be fetched: check out with full history (actions/checkout fetch-depth: 0, GitLab GIT_DEPTH: 0)`);
      }
    }
  }
}

function required(env: NodeJS.ProcessEnv, name: string, hint: string): string {
  const value = env[name];
  if (!value) throw new UserError(`${name} is not set: ${hint}`);
  return value;
}

async function githubActionsJob(env: NodeJS.ProcessEnv, repo: string, metrics: BotMetrics): Promise<MergeRequestJob | null> {
  const event = JSON.parse(await readFile(required(env, 'GITHUB_EVENT_PATH', 'run inside GitHub Actions'), 'utf8')) as {
    pull_request?: { number: number; base: { sha: string }; head: { sha: string } };
  };
  if (!event.pull_request) return null;
  const token = required(env, 'GITHUB_TOKEN', 'add `env: { GITHUB_TOKEN: ${{ github.token }} }` with permissions pull-requests: write and statuses: write');
  const [owner, name] = required(env, 'GITHUB_REPOSITORY', 'run inside GitHub Actions').split('/') as [string, string];
  const server = env.GITHUB_SERVER_URL || 'https://github.com';
  const Octokit = githubOctokit();
  const octokit = new Octokit({ auth: token, baseUrl: env.GITHUB_API_URL || 'https://api.github.com' });
  const pr = event.pull_request;
  const runUrl = env.GITHUB_RUN_ID ? `${server}/${owner}/${name}/actions/runs/${env.GITHUB_RUN_ID}` : undefined;
  const session = new GitHubSession(octokit, { owner, repo: name, number: pr.number, headSha: pr.head.sha, htmlUrl: `${server}/${owner}/${name}` }, metrics, {
    kind: 'token',
    login: env.SAFE_DEPLOY_GITHUB_LOGIN || 'github-actions[bot]',
    ...(runUrl ? { targetUrl: runUrl } : {}),
  });
  const baseBranch = env.GITHUB_BASE_REF ? { baseBranch: env.GITHUB_BASE_REF } : {};
  return { session, code: { repo, baseSha: pr.base.sha, headSha: pr.head.sha, repoURLs: [`${server}/${owner}/${name}`], ...baseBranch }, records: new OverrideRecords(env.SAFE_DEPLOY_RECORD_KEY || token) };
}

function gitlabCiJob(env: NodeJS.ProcessEnv, repo: string, metrics: BotMetrics): MergeRequestJob | null {
  if (!env.CI_MERGE_REQUEST_IID) return null;
  const token = required(env, 'SAFE_DEPLOY_GITLAB_TOKEN', 'add a project or group access token with the api scope as a masked CI/CD variable');
  const host = required(env, 'CI_API_V4_URL', 'run inside GitLab CI').replace(/\/api\/v4\/?$/, '');
  const api = new Gitlab({ host, token });
  // In a merged-results pipeline CI_COMMIT_SHA is the merge commit; the status belongs on the source head.
  const headSha = env.CI_MERGE_REQUEST_SOURCE_BRANCH_SHA || required(env, 'CI_COMMIT_SHA', 'run inside GitLab CI');
  const session = new GitLabSession(
    api,
    {
      projectId: Number(required(env, 'CI_PROJECT_ID', 'run inside GitLab CI')),
      projectPath: env.CI_PROJECT_PATH ?? env.CI_PROJECT_ID!,
      iid: Number(env.CI_MERGE_REQUEST_IID),
      headSha,
      webUrl: env.CI_PROJECT_URL ?? host,
      ...(env.CI_PIPELINE_ID ? { pipelineId: Number(env.CI_PIPELINE_ID) } : {}),
    },
    metrics,
    currentUser(api),
  );
  const baseSha = required(env, 'CI_MERGE_REQUEST_DIFF_BASE_SHA', 'run in a merge request pipeline');
  const baseBranch = env.CI_MERGE_REQUEST_TARGET_BRANCH_NAME ? { baseBranch: env.CI_MERGE_REQUEST_TARGET_BRANCH_NAME } : {};
  return { session, code: { repo, baseSha, headSha, repoURLs: ciRepoURLs(env), ...baseBranch }, records: new OverrideRecords(env.SAFE_DEPLOY_RECORD_KEY || token) };
}

/** The URLs the CI job's project is known by (its checkout's remotes are added by the review itself). */
function ciRepoURLs(env: NodeJS.ProcessEnv): string[] {
  const github = env.GITHUB_REPOSITORY ? [`${env.GITHUB_SERVER_URL || 'https://github.com'}/${env.GITHUB_REPOSITORY}`] : [];
  const gitlab = env.CI_PROJECT_URL ? [env.CI_PROJECT_URL] : [];
  // CI_SERVER_SHELL_SSH_HOST and CI_PROJECT_PATH give the ssh form GitOps tools are often configured with.
  const ssh = env.CI_SERVER_SHELL_SSH_HOST && env.CI_PROJECT_PATH ? [`git@${env.CI_SERVER_SHELL_SSH_HOST}:${env.CI_PROJECT_PATH}.git`] : [];
  return [...github, ...gitlab, ...ssh];
}

/** Base and head outside a merge request: the push's range, else the last commit. */
async function pushRange(env: NodeJS.ProcessEnv, repo: string): Promise<{ base: string; head: string }> {
  let before = env.CI_COMMIT_BEFORE_SHA;
  if (env.GITHUB_EVENT_PATH) {
    const event = JSON.parse(await readFile(env.GITHUB_EVENT_PATH, 'utf8').catch(() => '{}')) as { before?: string };
    before = event.before;
  }
  return { base: before && !NO_COMMIT.test(before) ? before : 'HEAD^', head: env.CI_COMMIT_SHA ?? env.GITHUB_SHA ?? 'HEAD' };
}

/** Runs CI mode; returns the exit status. */
export async function runCi(env: NodeJS.ProcessEnv, repo: string, print: (text: string) => void): Promise<number> {
  const metrics = noMetrics;
  const job = env.GITHUB_ACTIONS === 'true' ? await githubActionsJob(env, repo, metrics) : env.GITLAB_CI === 'true' ? gitlabCiJob(env, repo, metrics) : null;
  if (!job) {
    const { base, head } = await pushRange(env, repo);
    const review = await runReview({ repo, base, head, repoURLs: ciRepoURLs(env) });
    print(renderMarkdown(review, { limit: Number.MAX_SAFE_INTEGER }));
    return review.verdict === 'fail' ? 1 : 0;
  }
  await ensureCommits(repo, [job.code.baseSha, job.code.headSha]);
  const log = pino({ level: env.LOG_LEVEL || 'warn', name: 'safe-deploy' }, pino.destination(2));
  let printed = false;
  const outcome = await reviewMergeRequest(
    job.session,
    job.code,
    soleTicket(),
    {
      metrics,
      log,
      records: job.records,
      onReview: async (result) => {
        printed = true;
        print(await result.markdown({ limit: Number.MAX_SAFE_INTEGER }));
      },
    },
    env.GITHUB_RUN_ID ?? env.CI_JOB_ID ?? 'ci',
  );
  if (!printed) print(`safe-deploy: ${outcome === 'error' ? 'the review could not run; see the status on the merge request' : outcome}\n`);
  return EXIT[outcome];
}
