import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCi } from '../../src/cli/ci.js';
import { TestRepo } from '../helpers/git-repo.js';
import { deployment } from '../helpers/manifests.js';
import { strictNock } from '../fakes/nock.js';

let repo: TestRepo;
let base: string;
let head: string;
let scratch: string;
let printed: string;
const print = (text: string) => {
  printed += text;
};

strictNock();
beforeEach(() => {
  repo = new TestRepo();
  base = repo.commit({ 'deploy/web/deploy.yaml': deployment('web', { namespace: 'shop' }) });
  head = repo.commit({ 'deploy/web/deploy.yaml': deployment('web', { namespace: 'shop', image: 'nginx:latest' }) });
  scratch = mkdtempSync(join(tmpdir(), 'safe-deploy-ci-'));
  printed = '';
});
afterEach(() => {
  repo.dispose();
  rmSync(scratch, { recursive: true, force: true });
});

describe('ci in GitHub Actions', () => {
  it('posts the comment and a commit status through GITHUB_API_URL, and exits with the verdict', async () => {
    const event = join(scratch, 'event.json');
    writeFileSync(event, JSON.stringify({ pull_request: { number: 4, base: { sha: base }, head: { sha: head } } }));
    const statuses: Array<Record<string, unknown>> = [];
    const comments: string[] = [];
    nock('https://ghe.example.com/api/v3')
      .post(`/repos/acme/gitops/statuses/${head}`)
      .times(2)
      .reply(201, (_uri, body) => {
        statuses.push(body as Record<string, unknown>);
        return {};
      })
      .get('/repos/acme/gitops/issues/4/comments')
      .query(true)
      .times(2)
      .reply(200, [])
      .post('/repos/acme/gitops/issues/4/comments')
      .reply(201, (_uri, body) => {
        comments.push((body as { body: string }).body);
        return { id: 1 };
      });
    const status = await runCi(
      {
        GITHUB_ACTIONS: 'true',
        GITHUB_EVENT_PATH: event,
        GITHUB_REPOSITORY: 'acme/gitops',
        GITHUB_API_URL: 'https://ghe.example.com/api/v3',
        GITHUB_SERVER_URL: 'https://ghe.example.com',
        GITHUB_RUN_ID: '99',
        GITHUB_TOKEN: 'ghs_ci',
        LOG_LEVEL: 'silent',
      },
      repo.dir,
      print,
    );
    expect(status).toBe(1);
    expect(statuses.map((s) => [s.state, s.context, s.description, s.target_url])).toEqual([
      ['pending', 'safe-deploy', 'Predicting the cluster diff…', 'https://ghe.example.com/acme/gitops/actions/runs/99'],
      ['failure', 'safe-deploy', '1 error', 'https://ghe.example.com/acme/gitops/actions/runs/99'],
    ]);
    expect(comments[0]).toContain('(https://ghe.example.com/acme/gitops/blob/');
    expect(printed).toContain('## ❌ safe-deploy: this merge is blocked');
  });

  it('names the missing token', async () => {
    const event = join(scratch, 'event.json');
    writeFileSync(event, JSON.stringify({ pull_request: { number: 4, base: { sha: base }, head: { sha: head } } }));
    await expect(runCi({ GITHUB_ACTIONS: 'true', GITHUB_EVENT_PATH: event, GITHUB_REPOSITORY: 'a/b' }, repo.dir, print)).rejects.toThrow(/^GITHUB_TOKEN is not set: add `env/);
  });

  it('outside a pull request prints the review of the push and exits with the verdict', async () => {
    const event = join(scratch, 'event.json');
    writeFileSync(event, JSON.stringify({ before: base, after: head }));
    expect(await runCi({ GITHUB_ACTIONS: 'true', GITHUB_EVENT_PATH: event, GITHUB_SHA: head }, repo.dir, print)).toBe(1);
    expect(printed).toContain('+          image: nginx:latest');
  });
});

describe('ci in GitLab CI', () => {
  /** GitLab's API for merge request !2 of project 8: statuses and notes posted are kept. */
  function gitlabApi() {
    const statuses: Array<Record<string, unknown>> = [];
    const notes: string[] = [];
    nock('https://gitlab.example.com/api/v4')
      .get('/user')
      .reply(200, { id: 3 })
      .post(`/projects/8/statuses/${head}`)
      .times(2)
      .reply(201, (_uri, body) => {
        statuses.push(body as Record<string, unknown>);
        return {};
      })
      .get('/projects/8/merge_requests/2/notes')
      .query(true)
      .times(2)
      .reply(200, [])
      .post('/projects/8/merge_requests/2/notes')
      .reply(201, (_uri, body) => {
        notes.push((body as { body: string }).body);
        return { id: 1 };
      });
    return { statuses, notes };
  }

  /** The variables of a merge request pipeline's job. */
  const mergeRequestJob = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
    GITLAB_CI: 'true',
    CI_API_V4_URL: 'https://gitlab.example.com/api/v4',
    CI_PROJECT_ID: '8',
    CI_PROJECT_PATH: 'acme/gitops',
    CI_PROJECT_URL: 'https://gitlab.example.com/acme/gitops',
    CI_MERGE_REQUEST_IID: '2',
    CI_MERGE_REQUEST_DIFF_BASE_SHA: base,
    CI_COMMIT_SHA: head,
    CI_PIPELINE_ID: '555',
    SAFE_DEPLOY_GITLAB_TOKEN: 'glpat-ci',
    LOG_LEVEL: 'silent',
    ...extra,
  });

  it('posts the note and a status on the running pipeline', async () => {
    const { statuses, notes } = gitlabApi();
    expect(await runCi(mergeRequestJob(), repo.dir, print)).toBe(1);
    expect(statuses.map((s) => [s.state, s.name, s.pipeline_id])).toEqual([
      ['running', 'safe-deploy', 555],
      ['failed', 'safe-deploy', 555],
    ]);
    expect(notes[0]).toMatch(/^<!-- safe-deploy:review -->/);
  });

  it('writes the full report where the template keeps it as an artifact, and the note links it', async () => {
    const { notes } = gitlabApi();
    const env = mergeRequestJob({ CI_PROJECT_DIR: scratch, CI_JOB_URL: 'https://gitlab.example.com/acme/gitops/-/jobs/77', SAFE_DEPLOY_REPORT: join(scratch, 'safe-deploy-report.html') });
    expect(await runCi(env, repo.dir, print)).toBe(1);
    expect(notes[0]).toContain('[Full report](https://gitlab.example.com/acme/gitops/-/jobs/77/artifacts/file/safe-deploy-report.html)');
    const page = readFileSync(join(scratch, 'safe-deploy-report.html'), 'utf8');
    expect(page).toMatch(/^<!doctype html>/);
    expect(page).toContain(`"head":"${head}"`);
    expect(page).toContain('nginx:latest');
  });

  it('gives up on a hung GitLab API after SAFE_DEPLOY_API_TIMEOUT_SECONDS, like the server, and exits 2', async () => {
    nock('https://gitlab.example.com/api/v4').persist().post(`/projects/8/statuses/${head}`).delay(5_000).reply(201, {});
    const started = performance.now();
    const status = await runCi(
      {
        GITLAB_CI: 'true',
        CI_API_V4_URL: 'https://gitlab.example.com/api/v4',
        CI_PROJECT_ID: '8',
        CI_MERGE_REQUEST_IID: '2',
        CI_MERGE_REQUEST_DIFF_BASE_SHA: base,
        CI_COMMIT_SHA: head,
        SAFE_DEPLOY_GITLAB_TOKEN: 'glpat-ci',
        SAFE_DEPLOY_API_TIMEOUT_SECONDS: '0.1',
        LOG_LEVEL: 'silent',
      },
      repo.dir,
      print,
    );
    expect(status).toBe(2);
    expect(printed).toBe('safe-deploy: the review could not run; see the status on the merge request\n');
    // gitbeaker's own default would wait 300 s a call.
    expect(performance.now() - started).toBeLessThan(15_000);
  }, 30_000);

  it('outside a merge request reviews the push range and passes a clean change', async () => {
    const next = repo.commit({ 'deploy/web/deploy.yaml': deployment('web', { namespace: 'shop', image: 'nginx:1.27.0' }) });
    expect(await runCi({ GITLAB_CI: 'true', CI_COMMIT_BEFORE_SHA: head, CI_COMMIT_SHA: next }, repo.dir, print)).toBe(0);
    expect(printed).toContain('+          image: nginx:1.27.0');
    expect(printed).toContain('## ✅ safe-deploy: safe to merge');
  });
});
