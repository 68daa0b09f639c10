// What GitHub Actions and GitLab CI adapters share: the job's merge request
// as a review event over the checkout, and the environment they read it from.
import type { ReviewEvent } from '../bot/events.js';
import type { LocalCode, MergeRequestSession } from '../bot/session.js';
import { UserError } from '../errors.js';

/** A CI job on a merge request. */
export interface CiJob {
  event: ReviewEvent;
  code: LocalCode;
  /** The key override records are read with: SAFE_DEPLOY_RECORD_KEY, else the job's token (a server's records verify only with a shared key). */
  recordKey: string;
}

export function required(env: NodeJS.ProcessEnv, name: string, hint: string): string {
  const value = env[name];
  if (!value) throw new UserError(`${name} is not set: ${hint}`);
  return value;
}

/** The review event of a CI job: the one merge request of the job, referenced by its run. */
export function ciReviewEvent(env: NodeJS.ProcessEnv, session: MergeRequestSession): ReviewEvent {
  return { kind: 'review', platform: session.platform, delivery: env.GITHUB_RUN_ID ?? env.CI_JOB_ID ?? 'ci', key: session.key, open: async () => [{ session }] };
}

/** The URLs the CI job's project is known by (its checkout's remotes are added by the review itself). */
export function ciRepoURLs(env: NodeJS.ProcessEnv): string[] {
  const github = env.GITHUB_REPOSITORY ? [`${env.GITHUB_SERVER_URL || 'https://github.com'}/${env.GITHUB_REPOSITORY}`] : [];
  const gitlab = env.CI_PROJECT_URL ? [env.CI_PROJECT_URL] : [];
  // CI_SERVER_SHELL_SSH_HOST and CI_PROJECT_PATH give the ssh form GitOps tools are often configured with.
  const ssh = env.CI_SERVER_SHELL_SSH_HOST && env.CI_PROJECT_PATH ? [`git@${env.CI_SERVER_SHELL_SSH_HOST}:${env.CI_PROJECT_PATH}.git`] : [];
  return [...github, ...gitlab, ...ssh];
}
