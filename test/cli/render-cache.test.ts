// The render cache on disk, through the built CLI: each review is a new process,
// and the renderers are wrappers of the real binaries that log every render, so
// a test sees exactly which renders ran and which were read from disk.
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { runCli, TestRepo } from '../helpers/git-repo.js';
import { configMap, deployment } from '../helpers/manifests.js';

const KUBECTL = process.env.SAFE_DEPLOY_KUSTOMIZE!;
const HELM = process.env.SAFE_DEPLOY_HELM!;

let work: string;
let repo: TestRepo;
let base: string;
let head: string;
beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), 'safe-deploy-render-cache-'));
  repo = new TestRepo();
  base = repo.commit({
    'base/kustomization.yaml': 'resources: [deploy.yaml, cm.yaml]\n',
    'base/deploy.yaml': deployment('web'),
    'base/cm.yaml': configMap('settings', { mode: 'a' }),
    'envs/dev/kustomization.yaml': 'namespace: dev\nresources: [../../base]\n',
    'envs/prod/kustomization.yaml': 'namespace: prod\nresources: [../../base]\nreplicas: [{name: web, count: 4}]\n',
    'chart/Chart.yaml': 'apiVersion: v2\nname: chart\nversion: 0.1.0\n',
    'chart/values.yaml': 'mode: a\n',
    'chart/templates/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: chart-settings\ndata:\n  mode: {{ .Values.mode | quote }}\n',
  });
  head = repo.commit({ 'base/cm.yaml': configMap('settings', { mode: 'b' }), 'chart/values.yaml': 'mode: b\n' });
});
afterEach(() => {
  repo.dispose();
  rmSync(work, { recursive: true, force: true });
});

const CONFIG = `targets:
  - {name: dev, path: envs/dev, renderer: kustomize}
  - {name: prod, path: envs/prod, renderer: kustomize}
  - {name: chart, path: chart, renderer: helm, namespace: apps}
`;

/** A wrapper of `real` named `name` that logs its first argument (the render command) to `log`; `build` tells builds apart. */
function wrapper(name: string, real: string, build = 'one'): { path: string; log: string } {
  const dir = join(work, `bin-${name}-${build}`);
  mkdirSync(dir);
  const log = join(dir, 'calls.log');
  writeFileSync(log, '');
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\n# build ${build}\necho "$1" >> "${log}"\nexec "${real}" "$@"\n`);
  chmodSync(path, 0o755);
  return { path, log };
}

interface Renderers {
  kubectl: { path: string; log: string };
  helm: { path: string; log: string };
}

function renderers(build = 'one'): Renderers {
  return { kubectl: wrapper('kubectl', KUBECTL, build), helm: wrapper('helm', HELM, build) };
}

/** Renders logged since the last call: kustomize builds and helm templates (version checks aside). */
function rendersRun(tools: Renderers): { kustomize: number; helm: number } {
  const take = (log: string, command: string) => {
    const n = readFileSync(log, 'utf8').split('\n').filter((line) => line === command).length;
    writeFileSync(log, '');
    return n;
  };
  return { kustomize: take(tools.kubectl.log, 'kustomize'), helm: take(tools.helm.log, 'template') };
}

function review(tools: Renderers, cache: string, options: { config?: string; repoDir?: string; base?: string; head?: string; args?: string[] } = {}): string {
  const configFile = join(work, 'config.yaml');
  writeFileSync(configFile, options.config ?? CONFIG);
  const result = runCli(
    ['review', '--repo', options.repoDir ?? repo.dir, '--base', options.base ?? base, '--head', options.head ?? head, '--config', configFile, '--format', 'json', ...(options.args ?? ['--render-cache', cache])],
    { SAFE_DEPLOY_SANDBOX: 'off', SAFE_DEPLOY_KUSTOMIZE: tools.kubectl.path, SAFE_DEPLOY_HELM: tools.helm.path },
  );
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  return result.stdout;
}

/** The review's changes by target: what the review shows, to compare warm with cold. */
function changesOf(json: string): string[] {
  const parsed = JSON.parse(json) as { targets: Array<{ name: string; changes: Array<{ action: string; kind: string; namespace: string | null; name: string }> }> };
  return parsed.targets.flatMap((t) => t.changes.map((c) => `${t.name}: ${c.action} ${c.kind} ${c.namespace ?? ''}/${c.name}`)).sort();
}

const EXPECTED_CHANGES = ['chart: update ConfigMap apps/chart-settings', 'dev: update ConfigMap dev/settings', 'prod: update ConfigMap prod/settings'];

describe('the render cache on disk', () => {
  it('lets a review in a new process read every render, with the same review', () => {
    const tools = renderers();
    const cache = join(work, 'cache');
    const cold = review(tools, cache);
    // Both overlays build in one batch per side; the chart once per side.
    expect(rendersRun(tools)).toEqual({ kustomize: 2, helm: 2 });
    expect(changesOf(cold)).toEqual(EXPECTED_CHANGES);
    const warm = review(tools, cache);
    expect(rendersRun(tools)).toEqual({ kustomize: 0, helm: 0 });
    expect(warm).toBe(cold);
  });

  it('reads the base side another merge request on the same base rendered', () => {
    const tools = renderers();
    const cache = join(work, 'cache');
    review(tools, cache);
    rendersRun(tools);
    repo.git('checkout', '-q', '-b', 'other', base);
    const other = repo.commit({ 'envs/prod/kustomization.yaml': 'namespace: prod\nresources: [../../base]\nreplicas: [{name: web, count: 5}]\n' });
    const json = review(tools, cache, { head: other });
    // Only prod at head renders: its base side is the render the first review stored.
    expect(rendersRun(tools)).toEqual({ kustomize: 1, helm: 0 });
    expect(changesOf(json)).toEqual(['prod: update Deployment prod/web']);
  });

  it('renders again when a file, the renderer, the target definition or the limits change', () => {
    const tools = renderers();
    const cache = join(work, 'cache');
    review(tools, cache);
    rendersRun(tools);

    // Another value in the shared file: both overlays at head (one batch), nothing at base.
    repo.git('checkout', '-q', '-b', 'other', base);
    const next = repo.commit({ 'base/cm.yaml': configMap('settings', { mode: 'c' }) });
    expect(changesOf(review(tools, cache, { head: next }))).toEqual(['dev: update ConfigMap dev/settings', 'prod: update ConfigMap prod/settings']);
    expect(rendersRun(tools)).toEqual({ kustomize: 1, helm: 0 });

    // Another build of the renderers (same path names, other content): every render again.
    const rebuilt = renderers('two');
    review(rebuilt, cache);
    expect(rendersRun(rebuilt)).toEqual({ kustomize: 2, helm: 2 });

    // The chart target's definition (its namespace) changes: the chart at both sides, no overlay.
    const json = review(tools, cache, { config: CONFIG.replace('namespace: apps', 'namespace: tools') });
    expect(rendersRun(tools)).toEqual({ kustomize: 0, helm: 2 });
    expect(changesOf(json)).toContain('chart: update ConfigMap tools/chart-settings');

    // Other limits: every render again.
    review(tools, cache, { config: `${CONFIG}render: {timeoutSeconds: 61}\n` });
    expect(rendersRun(tools)).toEqual({ kustomize: 2, helm: 2 });
  });

  it('never shares renders between repositories, even of identical content', () => {
    const tools = renderers();
    const cache = join(work, 'cache');
    repo.git('remote', 'add', 'origin', 'https://github.com/acme/fleet.git');
    review(tools, cache);
    rendersRun(tools);
    const twin = join(work, 'twin');
    repo.git('clone', '-q', repo.dir, twin);
    const twinRepo = Object.assign(Object.create(TestRepo.prototype) as TestRepo, { dir: twin });
    twinRepo.git('remote', 'set-url', 'origin', 'https://github.com/acme/fleet-copy.git');
    review(tools, cache, { repoDir: twin });
    expect(rendersRun(tools)).toEqual({ kustomize: 2, helm: 2 });
    expect(readdirSync(cache).filter((n) => /^[0-9a-f]{32}$/.test(n))).toHaveLength(2);
    // Another checkout of the same repository (the same URL in another form) shares them.
    twinRepo.git('remote', 'set-url', 'origin', 'git@github.com:Acme/fleet.git');
    review(tools, cache, { repoDir: twin });
    expect(rendersRun(tools)).toEqual({ kustomize: 0, helm: 0 });
  });

  it('renders again, with the same review, over damaged entries', () => {
    const tools = renderers();
    const cache = join(work, 'cache');
    const cold = review(tools, cache);
    rendersRun(tools);
    const [folder] = readdirSync(cache).filter((n) => /^[0-9a-f]{32}$/.test(n));
    const entries = readdirSync(join(cache, folder!));
    expect(entries).toHaveLength(6);
    for (const [i, name] of entries.entries()) {
      const path = join(cache, folder!, name);
      const entry = readFileSync(path);
      // Flip a byte of one, truncate another, garbage in the rest.
      if (i === 0) entry[entry.length - 1]! ^= 0xff;
      writeFileSync(path, i === 0 ? entry : i === 1 ? entry.subarray(0, 40) : 'not an entry');
    }
    expect(review(tools, cache)).toBe(cold);
    expect(rendersRun(tools)).toEqual({ kustomize: 2, helm: 2 });
    expect(review(tools, cache)).toBe(cold);
    expect(rendersRun(tools)).toEqual({ kustomize: 0, helm: 0 });
  });

  it('is off unless asked for, and reads SAFE_DEPLOY_RENDER_CACHE', () => {
    const tools = renderers();
    review(tools, '', { args: [] });
    review(tools, '', { args: [] });
    expect(rendersRun(tools)).toEqual({ kustomize: 4, helm: 4 });
    const cache = join(work, 'from-env');
    const env = { SAFE_DEPLOY_SANDBOX: 'off', SAFE_DEPLOY_KUSTOMIZE: tools.kubectl.path, SAFE_DEPLOY_HELM: tools.helm.path, SAFE_DEPLOY_RENDER_CACHE: cache };
    writeFileSync(join(work, 'config.yaml'), CONFIG);
    const args = ['review', '--repo', repo.dir, '--base', base, '--head', head, '--config', join(work, 'config.yaml')];
    expect(runCli(args, env).status).toBe(0);
    expect(runCli(args, env).status).toBe(0);
    expect(rendersRun(tools)).toEqual({ kustomize: 2, helm: 2 });
    expect(runCli([...args, '--render-cache', join(work, 'x')], { ...env, SAFE_DEPLOY_RENDER_CACHE_MB: 'lots' })).toMatchObject({ status: 2, stderr: expect.stringContaining('SAFE_DEPLOY_RENDER_CACHE_MB=lots is not a number') });
  });

  it('serves CI mode from the directory the CI template restores', () => {
    const tools = renderers();
    const cache = join(work, 'ci-cache');
    repo.commit({ '.safe-deploy.yml': CONFIG }, 'config at base');
    const before = repo.git('rev-parse', 'HEAD');
    const after = repo.commit({ 'chart/values.yaml': 'mode: c\n' });
    const env = {
      SAFE_DEPLOY_SANDBOX: 'off',
      SAFE_DEPLOY_KUSTOMIZE: tools.kubectl.path,
      SAFE_DEPLOY_HELM: tools.helm.path,
      SAFE_DEPLOY_RENDER_CACHE: cache,
      GITHUB_ACTIONS: '',
      GITLAB_CI: '',
      GITHUB_EVENT_PATH: '',
      CI_COMMIT_BEFORE_SHA: before,
      CI_COMMIT_SHA: after,
    };
    const first = runCli(['ci', '--repo', repo.dir], env);
    expect(first.status).toBe(0);
    expect(rendersRun(tools)).toEqual({ kustomize: 0, helm: 2 });
    const second = runCli(['ci', '--repo', repo.dir], env);
    expect(second.stdout).toBe(first.stdout);
    expect(rendersRun(tools)).toEqual({ kustomize: 0, helm: 0 });
  });
});

describe('the CI templates', () => {
  const read = (file: string) => parse(readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8')) as Record<string, unknown>;

  it('restore and save the directory the GitHub Action reviews with, whatever the verdict', () => {
    const steps = (read('action.yml').runs as { steps: Array<{ name?: string; uses?: string; if?: string; with?: Record<string, string>; env?: Record<string, string> }> }).steps;
    const restore = steps.find((s) => s.uses?.startsWith('actions/cache/restore@'))!;
    const save = steps.find((s) => s.uses?.startsWith('actions/cache/save@'))!;
    const reviewStep = steps.find((s) => s.name === 'Review')!;
    expect(restore.with!.path).toBe('${{ runner.temp }}/safe-deploy-renders');
    expect(save.with!.path).toBe(restore.with!.path);
    expect(reviewStep.env!.SAFE_DEPLOY_RENDER_CACHE).toContain("format('{0}/safe-deploy-renders', runner.temp)");
    expect(restore.with!.key).toBe(`${restore.with!['restore-keys']}\${{ github.event.pull_request.base.sha || github.sha }}`);
    expect(save.with!.key).toBe('${{ steps.render-cache.outputs.cache-primary-key }}');
    expect(save.if).toMatch(/^always\(\) && /);
    expect(steps.indexOf(restore)).toBeLessThan(steps.indexOf(reviewStep));
    expect(steps.indexOf(save)).toBeGreaterThan(steps.indexOf(reviewStep));
  });

  it('keep the GitLab job cache where the job reviews with it, whatever the verdict', () => {
    const job = read('ci/safe-deploy.gitlab-ci.yml')['safe-deploy'] as { variables: Record<string, string>; cache: { key: string; paths: string[]; when: string } };
    expect(job.variables.SAFE_DEPLOY_RENDER_CACHE).toBe(`$CI_PROJECT_DIR/${job.cache.paths[0]!.replace(/\/$/, '')}`);
    expect(job.cache).toMatchObject({ key: 'safe-deploy-renders-$CI_MERGE_REQUEST_TARGET_BRANCH_NAME', when: 'always' });
  });

  it('keep the full report as an artifact where the job writes it, whatever the verdict', () => {
    const steps = (read('action.yml').runs as { steps: Array<{ name?: string; uses?: string; if?: string; with?: Record<string, string>; env?: Record<string, string> }> }).steps;
    const upload = steps.find((s) => s.uses?.startsWith('actions/upload-artifact@'))!;
    const reviewStep = steps.find((s) => s.name === 'Review')!;
    expect(upload.with!.path).toBe(reviewStep.env!.SAFE_DEPLOY_REPORT);
    expect(upload.if).toBe('always()');
    expect(steps.indexOf(upload)).toBeGreaterThan(steps.indexOf(reviewStep));
    const job = read('ci/safe-deploy.gitlab-ci.yml')['safe-deploy'] as { variables: Record<string, string>; artifacts: { paths: string[]; when: string } };
    expect(job.variables.SAFE_DEPLOY_REPORT).toBe(`$CI_PROJECT_DIR/${job.artifacts.paths[0]}`);
    expect(job.artifacts.when).toBe('always');
  });
});
