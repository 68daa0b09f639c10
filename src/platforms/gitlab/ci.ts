// GitLab CI: the merge request of a merge request pipeline, reported as a
// commit status on the pipeline by a project or group access token.
import type { BotMetrics } from '../../bot/metrics.js';
import { gitlabClient, type ApiSettings } from '../api.js';
import { ciRepoURLs, ciReviewEvent, required, type CiJob } from '../ci-job.js';
import { currentUser, GitLabSession } from './session.js';

export function gitlabCiJob(env: NodeJS.ProcessEnv, repo: string, settings: ApiSettings, metrics: BotMetrics): CiJob | null {
  if (!env.CI_MERGE_REQUEST_IID) return null;
  const token = required(env, 'SAFE_DEPLOY_GITLAB_TOKEN', 'add a project or group access token with the api scope as a masked CI/CD variable');
  const host = required(env, 'CI_API_V4_URL', 'run inside GitLab CI').replace(/\/api\/v4\/?$/, '');
  const api = gitlabClient(settings, { host, token });
  // In a merged-results pipeline CI_COMMIT_SHA is the merge commit; the status belongs on the source head.
  const headSha = env.CI_MERGE_REQUEST_SOURCE_BRANCH_SHA || required(env, 'CI_COMMIT_SHA', 'run inside GitLab CI');
  const mr = {
    projectId: Number(required(env, 'CI_PROJECT_ID', 'run inside GitLab CI')),
    projectPath: env.CI_PROJECT_PATH ?? env.CI_PROJECT_ID!,
    iid: Number(env.CI_MERGE_REQUEST_IID),
    headSha,
    webUrl: env.CI_PROJECT_URL ?? host,
    ...(env.CI_PIPELINE_ID ? { pipelineId: Number(env.CI_PIPELINE_ID) } : {}),
  };
  const baseSha = required(env, 'CI_MERGE_REQUEST_DIFF_BASE_SHA', 'run in a merge request pipeline');
  const baseBranch = env.CI_MERGE_REQUEST_TARGET_BRANCH_NAME ? { baseBranch: env.CI_MERGE_REQUEST_TARGET_BRANCH_NAME } : {};
  const code = { repo, baseSha, headSha, repoURLs: ciRepoURLs(env), ...baseBranch };
  const session = new GitLabSession(api, mr, metrics, currentUser(api), code);
  return { event: ciReviewEvent(env, session), code, recordKey: env.SAFE_DEPLOY_RECORD_KEY || token };
}
