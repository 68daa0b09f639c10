#!/usr/bin/env node
// Time from webhook receipt to completed check run for a small pull request,
// with the real server and Probot app against a fake GitHub API on loopback.
// With the app's request pacing (GitHub's secondary rate limits: writes 350 ms
// apart, new comments 800 ms apart, per installation) and without any, which is
// the floor of our own work.
// Baseline in the same run: `safe-deploy review` of the same change from the CLI.
// Usage: node bench/github-webhook.mjs [pushes]
import { execFileSync } from 'node:child_process';
import { createHmac, generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { githubOctokit } from '../dist/platforms/github/octokit.js';
import { createSafeDeployServer } from '../dist/server/server.js';
import { startFakeGitHub } from './lib/fake-github.mjs';
import { median, run } from './lib/measure.mjs';

const pushes = Number(process.argv[2] ?? 8);
const BIN = fileURLToPath(new URL('../bin/safe-deploy.js', import.meta.url));
const repo = mkdtempSync(join(tmpdir(), 'bench-webhook-'));
const env = { ...process.env, GIT_AUTHOR_NAME: 'b', GIT_AUTHOR_EMAIL: 'b@b', GIT_COMMITTER_NAME: 'b', GIT_COMMITTER_EMAIL: 'b@b' };
const git = (...args) => execFileSync('git', args, { cwd: repo, env, encoding: 'utf8' }).trim();
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs1', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
const secret = 'bench-secret';
const repository = { name: 'gitops', owner: { login: 'acme' }, clone_url: repo, html_url: 'https://github.example.com/acme/gitops' };

const deployment = (replicas) => `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      securityContext: {runAsNonRoot: true}
      containers:
        - name: web
          image: registry.example.com/web:1.0.0
          readinessProbe: {httpGet: {path: /ready, port: 8080}}
          resources: {requests: {cpu: 100m, memory: 64Mi}, limits: {memory: 128Mi}}
`;

let replicas = 3;
/** A new head commit on top of base, reachable only as refs/pull/N/head. */
function push(base, number) {
  writeFileSync(join(repo, 'deploy/web.yaml'), deployment(replicas++));
  git('add', '-A');
  git('commit', '-q', '-m', 'push');
  const head = git('rev-parse', 'HEAD');
  git('update-ref', `refs/pull/${number}/head`, head);
  git('reset', '-q', '--hard', base);
  return head;
}

async function scenario(base, { paced, samePullRequest }) {
  const api = await startFakeGitHub();
  const cache = mkdtempSync(join(tmpdir(), 'bench-webhook-cache-'));
  const server = await createSafeDeployServer({
    env: { APP_ID: '1', PRIVATE_KEY: privateKey, WEBHOOK_SECRET: secret, GHE_HOST: api.host, GHE_PROTOCOL: 'http', LOG_LEVEL: 'fatal' },
    cacheDir: cache,
    ...(paced ? {} : { Octokit: githubOctokit({ retries: false }) }),
  });
  await new Promise((resolve) => server.http.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${server.http.address().port}/api/github/webhooks`;
  const latencies = [];
  try {
    for (let i = 0; i < pushes; i++) {
      const number = samePullRequest ? 1 : i + 1;
      const head = push(base, number);
      const body = JSON.stringify({
        action: samePullRequest && i > 0 ? 'synchronize' : 'opened',
        number,
        pull_request: { number, head: { sha: head, ref: 'f' }, base: { sha: base, ref: 'main', repo: repository } },
        repository,
        installation: { id: 7 },
      });
      const start = performance.now();
      await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-github-event': 'pull_request', 'x-github-delivery': randomUUID(), 'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}` },
        body,
      });
      latencies.push(((await api.whenCompleted(head)) - start) / 1000);
      if (api.conclusions.get(head) !== 'success') throw new Error(`unexpected conclusion ${api.conclusions.get(head)}`);
    }
  } finally {
    await server.scheduler.idle();
    server.http.close();
    await api.close();
    rmSync(cache, { recursive: true, force: true });
  }
  return { first: latencies[0], warm: median(latencies.slice(1)) };
}

try {
  git('init', '-q', '-b', 'main');
  mkdirSync(join(repo, 'deploy'));
  writeFileSync(join(repo, 'deploy/web.yaml'), deployment(2));
  git('add', '-A');
  git('commit', '-q', '-m', 'base');
  const base = git('rev-parse', 'HEAD');
  const head = push(base, 999);
  const cli = median(Array.from({ length: 5 }, () => run(process.execPath, [BIN, 'review', '--repo', repo, '--base', base, '--head', head]).seconds));
  console.log(`${pushes} pushes per scenario, one changed Deployment each; fake GitHub API on loopback`);
  console.log('| scenario | first (cold mirror) | median of the rest | ratio to CLI review |');
  console.log('| --- | --- | --- | --- |');
  for (const [label, options] of [
    ['pushes to one PR (comment edited), no pacing', { paced: false, samePullRequest: true }],
    ['pushes to one PR (comment edited), paced', { paced: true, samePullRequest: true }],
    ['new PRs (comment created), paced', { paced: true, samePullRequest: false }],
  ]) {
    const { first, warm } = await scenario(base, options);
    console.log(`| ${label} | ${(first * 1000).toFixed(0)} ms | ${(warm * 1000).toFixed(0)} ms | ${(warm / cli).toFixed(2)}× |`);
  }
  console.log(`| baseline: safe-deploy review from the CLI | | ${(cli * 1000).toFixed(0)} ms | 1.00× |`);
} finally {
  rmSync(repo, { recursive: true, force: true });
}
