// GitHub Actions: the pull request of the job's event, reported as a commit
// status by the job's token (github-actions[bot] owns its comments).
import { readFile } from 'node:fs/promises';
import type { BotMetrics } from '../../bot/metrics.js';
import { githubTokenClient, type ApiSettings } from '../api.js';
import { ciReviewEvent, required, type CiJob } from '../ci-job.js';
import { GitHubSession } from './session.js';

export async function githubActionsJob(env: NodeJS.ProcessEnv, repo: string, settings: ApiSettings, metrics: BotMetrics): Promise<CiJob | null> {
  const event = JSON.parse(await readFile(required(env, 'GITHUB_EVENT_PATH', 'run inside GitHub Actions'), 'utf8')) as {
    pull_request?: { number: number; base: { sha: string; ref?: string }; head: { sha: string }; user?: { login: string } | null };
  };
  if (!event.pull_request) return null;
  const token = required(env, 'GITHUB_TOKEN', 'add `env: { GITHUB_TOKEN: ${{ github.token }} }` with permissions pull-requests: write and statuses: write');
  const [owner, name] = required(env, 'GITHUB_REPOSITORY', 'run inside GitHub Actions').split('/') as [string, string];
  const server = env.GITHUB_SERVER_URL || 'https://github.com';
  const octokit = githubTokenClient(settings, { token, baseUrl: env.GITHUB_API_URL || 'https://api.github.com' });
  const pr = event.pull_request;
  const runUrl = env.GITHUB_RUN_ID ? `${server}/${owner}/${name}/actions/runs/${env.GITHUB_RUN_ID}` : undefined;
  // pull_request_review events (which re-evaluate approvals) set no GITHUB_BASE_REF: the event names the branch.
  const branch = env.GITHUB_BASE_REF || pr.base.ref;
  const baseBranch = branch ? { baseBranch: branch } : {};
  const code = { repo, baseSha: pr.base.sha, headSha: pr.head.sha, repoURLs: [`${server}/${owner}/${name}`], ...baseBranch };
  const identity = { kind: 'token', login: env.SAFE_DEPLOY_GITHUB_LOGIN || 'github-actions[bot]', ...(runUrl ? { targetUrl: runUrl } : {}) } as const;
  const session = new GitHubSession(octokit, { owner, repo: name, number: pr.number, headSha: pr.head.sha, htmlUrl: `${server}/${owner}/${name}`, ...(pr.user ? { author: pr.user.login } : {}) }, metrics, identity, code);
  return { event: ciReviewEvent(env, session), code, recordKey: env.SAFE_DEPLOY_RECORD_KEY || token };
}
