// `safe-deploy ci`: inside a GitHub Actions or GitLab CI job, review the checkout
// the job runs in; on a merge request, the bot posts the comment and the status
// like the server would (same pipeline), then the job exits with the verdict (DESIGN §4).
import { readFile, writeFile } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import { pino } from 'pino';
import { createBot } from '../bot/bot.js';
import { noMetrics } from '../bot/metrics.js';
import { ReviewScheduler } from '../bot/scheduler.js';
import { OverrideRecords } from '../commands/override-record.js';
import { UserError } from '../errors.js';
import { operatorLiveSpec } from '../live/access.js';
import { apiSettings } from '../platforms/api.js';
import { ciRepoURLs } from '../platforms/ci-job.js';
import { githubActionsJob } from '../platforms/github/actions.js';
import { gitlabCiJob } from '../platforms/gitlab/ci.js';
import { renderCacheSpec } from '../render/cache.js';
import type { ReportPublisher } from '../bot/review-job.js';
import { renderHtml } from '../report/html.js';
import { renderMarkdown } from '../report/markdown.js';
import { git, resolveCommit } from '../repo/git.js';
import { runReview } from '../review.js';
import { exitStatus } from './exit.js';

const NO_COMMIT = /^0+$/;

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

/** Base and head outside a merge request: the push's range, else the last commit. */
async function pushRange(env: NodeJS.ProcessEnv): Promise<{ base: string; head: string }> {
  let before = env.CI_COMMIT_BEFORE_SHA;
  if (env.GITHUB_EVENT_PATH) {
    const event = JSON.parse(await readFile(env.GITHUB_EVENT_PATH, 'utf8').catch(() => '{}')) as { before?: string };
    before = event.before;
  }
  return { base: before && !NO_COMMIT.test(before) ? before : 'HEAD^', head: env.CI_COMMIT_SHA ?? env.GITHUB_SHA ?? 'HEAD' };
}

/** Where the platform shows the job's report artifact; none outside GitHub Actions and GitLab CI. */
export function artifactUrl(env: NodeJS.ProcessEnv, file: string): string | null {
  if (env.GITHUB_ACTIONS === 'true' && env.GITHUB_SERVER_URL && env.GITHUB_REPOSITORY && env.GITHUB_RUN_ID) return `${env.GITHUB_SERVER_URL}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}#artifacts`;
  if (env.GITLAB_CI === 'true' && env.CI_JOB_URL) return `${env.CI_JOB_URL}/artifacts/file/${relative(env.CI_PROJECT_DIR ?? process.cwd(), file)}`;
  return null;
}

/** CI mode's full report: written to SAFE_DEPLOY_REPORT, which the Action uploads and the GitLab template keeps as an artifact. */
function ciReports(env: NodeJS.ProcessEnv): (ReportPublisher & { file: string }) | null {
  if (!env.SAFE_DEPLOY_REPORT) return null;
  const file = resolve(env.SAFE_DEPLOY_REPORT);
  return {
    file,
    async publish(html) {
      await writeFile(file, html);
      const url = artifactUrl(env, file);
      if (!url) throw new Error(`the report is in ${file}; no CI platform names where its artifacts are shown`);
      return url;
    },
  };
}

/** Runs CI mode; returns the exit status. */
export async function runCi(env: NodeJS.ProcessEnv, repo: string, print: (text: string) => void): Promise<number> {
  // A one-shot job serves no /metrics.
  const metrics = noMetrics;
  const settings = apiSettings(env);
  const live = operatorLiveSpec(env) ?? undefined;
  // The directory the CI template restores and saves between runs; unset, renders stay in memory.
  const renderCache = renderCacheSpec(env);
  const job = env.GITHUB_ACTIONS === 'true' ? await githubActionsJob(env, repo, settings, metrics) : env.GITLAB_CI === 'true' ? gitlabCiJob(env, repo, settings, metrics) : null;
  if (!job) {
    const { base, head } = await pushRange(env);
    const review = await runReview({ repo, base, head, repoURLs: ciRepoURLs(env), ...(live ? { live: { access: live } } : {}), ...(renderCache ? { renderCache } : {}) });
    const reports = ciReports(env);
    if (reports) await writeFile(reports.file, renderHtml(review));
    print(renderMarkdown(review, { limit: Number.MAX_SAFE_INTEGER }));
    return exitStatus(review.verdict);
  }
  await ensureCommits(repo, [job.code.baseSha, job.code.headSha]);
  let printed = false;
  const reports = ciReports(env);
  const bot = createBot({
    scheduler: new ReviewScheduler(1),
    metrics,
    log: pino({ level: env.LOG_LEVEL || 'warn', name: 'safe-deploy' }, pino.destination(2)),
    records: new OverrideRecords(job.recordKey),
    ...(live ? { live } : {}),
    ...(renderCache ? { renderCache } : {}),
    ...(reports ? { reports } : {}),
    onReview: async (result) => {
      printed = true;
      print(await result.markdown({ limit: Number.MAX_SAFE_INTEGER }));
    },
  });
  const [outcome = 'error'] = await bot.run(job.event);
  if (!printed) print(`safe-deploy: ${outcome === 'error' ? 'the review could not run; see the status on the merge request' : outcome}\n`);
  return exitStatus(outcome);
}
