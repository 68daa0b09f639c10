// The one place API clients are made, for the server and CI mode alike: the
// same timeout, retries and pacing wherever safe-deploy talks to GitHub or GitLab.
import { Gitlab } from '@gitbeaker/rest';
import type { ProbotOctokit } from 'probot';
import { DEFAULT_API_TIMEOUT_MS, githubOctokit } from './github/octokit.js';
import type { GitLabApi } from './gitlab/session.js';

export interface ApiSettings {
  /** Every platform API call gives up after this: a hung API fails the review instead of stalling it. */
  timeoutMs: number;
}

/** The settings of the environment (SAFE_DEPLOY_API_TIMEOUT_SECONDS, default 30). */
export function apiSettings(env: NodeJS.ProcessEnv): ApiSettings {
  return { timeoutMs: (Number(env.SAFE_DEPLOY_API_TIMEOUT_SECONDS) || DEFAULT_API_TIMEOUT_MS / 1000) * 1000 };
}

/** The Octokit class of the GitHub App (Probot makes the installation clients from it). */
export function githubAppOctokit(settings: ApiSettings): typeof ProbotOctokit {
  return githubOctokit({ timeoutMs: settings.timeoutMs });
}

/** A GitHub client acting with a token (CI mode). */
export function githubTokenClient(settings: ApiSettings, options: { token: string; baseUrl: string }): InstanceType<typeof ProbotOctokit> {
  const Octokit = githubAppOctokit(settings);
  return new Octokit({ auth: options.token, baseUrl: options.baseUrl });
}

/** A GitLab client. Its built-in retries cover 429 and 502; sessions retry the other server errors and timeouts (gitlab/session `retryable`). */
export function gitlabClient(settings: ApiSettings, options: { host: string; token: string }): GitLabApi {
  return new Gitlab({ host: options.host, token: options.token, queryTimeout: settings.timeoutMs });
}
