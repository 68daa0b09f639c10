#!/usr/bin/env node
// Load: signed GitHub webhooks at a steady rate against the real server on
// loopback, with a fake GitHub API (request pacing off, so the server is what
// is measured). Reports sustained reviews per second, webhook-to-status
// latency (p50, p95), errors (must be zero) and the server's peak RSS.
// Usage: node bench/load.mjs [rate-per-second] [seconds]
import { execFileSync } from 'node:child_process';
import { createHmac, generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { githubOctokit } from '../dist/platforms/github/octokit.js';
import { createSafeDeployServer } from '../dist/server/server.js';
import { startFakeGitHub } from './lib/fake-github.mjs';

const [rate = 4, duration = 30] = process.argv.slice(2).map(Number);
const total = Math.round(rate * duration);
const repo = mkdtempSync(join(tmpdir(), 'bench-load-'));
const cache = mkdtempSync(join(tmpdir(), 'bench-load-cache-'));
const env = { ...process.env, GIT_AUTHOR_NAME: 'b', GIT_AUTHOR_EMAIL: 'b@b', GIT_COMMITTER_NAME: 'b', GIT_COMMITTER_EMAIL: 'b@b' };
const git = (...args) => execFileSync('git', args, { cwd: repo, env, encoding: 'utf8' }).trim();
const manifest = (i, n) => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app-${i}, namespace: shop}\ndata: {revision: "${n}"}\n`;

git('init', '-q', '-b', 'main');
mkdirSync(join(repo, 'deploy'));
for (let i = 0; i < 20; i++) writeFileSync(join(repo, `deploy/app-${i}.yaml`), manifest(i, 0));
git('add', '-A');
git('commit', '-q', '-m', 'base');
const base = git('rev-parse', 'HEAD');
// One head per request, each a pull request of its own, prepared before the clock starts.
const heads = [];
for (let n = 1; n <= total; n++) {
  writeFileSync(join(repo, `deploy/app-${n % 20}.yaml`), manifest(n % 20, n));
  git('commit', '-q', '-am', `pr ${n}`);
  const head = git('rev-parse', 'HEAD');
  git('update-ref', `refs/pull/${n}/head`, head);
  git('reset', '-q', '--hard', base);
  heads.push(head);
}

const api = await startFakeGitHub();
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs1', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
const secret = 'load-secret';
const server = await createSafeDeployServer({
  env: { APP_ID: '1', PRIVATE_KEY: privateKey, WEBHOOK_SECRET: secret, GHE_HOST: api.host, GHE_PROTOCOL: 'http', LOG_LEVEL: 'fatal' },
  cacheDir: cache,
  Octokit: githubOctokit({ retries: false }),
});
await new Promise((resolve) => server.http.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${server.http.address().port}/api/github/webhooks`;
const repository = { name: 'gitops', owner: { login: 'acme' }, clone_url: repo, html_url: 'https://github.example.com/acme/gitops' };

let errors = 0;
const latencies = [];
const started = performance.now();
const sends = heads.map(
  (head, i) =>
    new Promise((resolve) => {
      setTimeout(async () => {
        const body = JSON.stringify({ action: 'opened', number: i + 1, pull_request: { number: i + 1, head: { sha: head }, base: { sha: base, ref: 'main', repo: repository } }, repository, installation: { id: 7 } });
        const sent = performance.now();
        try {
          const response = await fetch(url, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-github-event': 'pull_request', 'x-github-delivery': randomUUID(), 'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}` },
            body,
          });
          if (!response.ok) errors++;
          const done = await Promise.race([api.whenCompleted(head), new Promise((r) => setTimeout(() => r(null), 120_000))]);
          if (done === null || api.conclusions.get(head) !== 'success') errors++;
          else latencies.push((done - sent) / 1000);
        } catch {
          errors++;
        }
        resolve();
      }, (i * 1000) / rate);
    }),
);
await Promise.all(sends);
const elapsed = (performance.now() - started) / 1000;
await server.scheduler.idle();
const rss = process.resourceUsage().maxRSS / 1024;
server.http.close();
await api.close();
rmSync(repo, { recursive: true, force: true });
rmSync(cache, { recursive: true, force: true });

latencies.sort((a, b) => a - b);
const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? NaN;
console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}; offered ${rate} webhooks/s for ${duration} s (${total} pull requests)`);
console.log('| measure | value |');
console.log('| --- | --- |');
console.log(`| sustained reviews per second | ${(latencies.length / elapsed).toFixed(2)} |`);
console.log(`| webhook → completed status, p50 | ${(pct(50) * 1000).toFixed(0)} ms |`);
console.log(`| webhook → completed status, p95 | ${(pct(95) * 1000).toFixed(0)} ms |`);
console.log(`| errors | ${errors} |`);
console.log(`| peak RSS (server and load generator, one process) | ${rss.toFixed(0)} MB |`);
