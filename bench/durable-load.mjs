#!/usr/bin/env node
// Durable mode under load: one web replica and 1, 2 or 4 worker processes on one
// redis-server, against the loopback fake GitHub (with the App's real request pacing),
// N pull requests opened at a steady rate, spread over several App installations (GitHub
// paces writes per installation, across every replica). Prints throughput (reviews/s) and the
// latency from webhook sent to check completed (p50, p95), beside the baseline of the
// same run: the in-memory server (`serve --role all` without Redis), one process.
// Usage: npm run bench:durable [-- pullRequests intervalMs installations]
import { execFileSync } from 'node:child_process';

const [pulls = 40, intervalMs = 50, installations = 10] = process.argv.slice(2).map(Number);
// The tests' own helpers (TypeScript, through the test hooks): processes, deliveries, Redis, repositories.
const { deliver, startServe } = await import('../test/helpers/durable.js');
const { startRedis } = await import('../test/helpers/redis.js');
const { TestRepo } = await import('../test/helpers/git-repo.js');
const { pullRequestPayload } = await import('../test/helpers/github.js');
const { startFakeGitHub } = await import('./lib/fake-github.mjs');

const configMap = (n) => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: pr-${n}, namespace: shop}\ndata: {revision: "${n}"}\n`;
const repo = new TestRepo();
const base = repo.commit({ 'deploy/base.yaml': configMap(0) }, 'base');
const redis = await startRedis();
const percentile = (values, p) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.ceil((p / 100) * values.length) - 1)];
let next = 1;

/** Opens `pulls` pull requests against `webUrl`, one every `intervalMs`; resolves with their latencies and the span. */
async function load(api, webUrl) {
  const sent = new Map();
  const numbers = Array.from({ length: pulls }, () => next++);
  const heads = new Map(numbers.map((n) => [n, repo.pushHead(base, `refs/pull/${n}/head`, { [`deploy/pr-${n}.yaml`]: configMap(n) })]));
  const start = performance.now();
  await Promise.all(
    numbers.map(async (n, i) => {
      await new Promise((resolve) => setTimeout(resolve, i * intervalMs));
      sent.set(n, performance.now());
      const payload = { ...pullRequestPayload('opened', repo.dir, n, base, heads.get(n)), installation: { id: 1000 + (n % installations) } };
      const answer = await deliver(webUrl, 'pull_request', payload);
      if (answer.status >= 300) throw new Error(`delivery answered ${answer.status}`);
    }),
  );
  const done = await Promise.all(numbers.map((n) => api.whenCompleted(heads.get(n))));
  const latencies = numbers.map((n, i) => (done[i] - sent.get(n)) / 1000);
  return { latencies, seconds: (Math.max(...done) - start) / 1000 };
}

async function scenario(label, workers) {
  const api = await startFakeGitHub();
  const processes = [];
  try {
    if (workers === 0) processes.push(await startServe('all', { githubHost: api.host }));
    else {
      await redis.client().flushall();
      processes.push(await startServe('web', { githubHost: api.host, redisUrl: redis.url }));
      for (let i = 0; i < workers; i++) processes.push(await startServe('worker', { githubHost: api.host, redisUrl: redis.url }));
    }
    const { latencies, seconds } = await load(api, processes[0].url);
    return { label, throughput: pulls / seconds, p50: percentile(latencies, 50), p95: percentile(latencies, 95) };
  } finally {
    await Promise.all(processes.map((p) => p.kill()));
    await api.close();
  }
}

const rows = [await scenario('in-memory, one process (baseline)', 0)];
for (const workers of [1, 2, 4]) rows.push(await scenario(`durable: 1 web + ${workers} worker${workers > 1 ? 's' : ''}`, workers));
await redis.stop();
repo.dispose();

const cores = Number(execFileSync('nproc', { encoding: 'utf8' }).trim());
console.log(`durable mode: ${pulls} pull requests over ${installations} installations, one every ${intervalMs} ms, ${cores} cores, App request pacing on`);
console.log('| run | reviews/s | × baseline | p50 | p95 |');
console.log('| --- | --- | --- | --- | --- |');
for (const r of rows) console.log(`| ${r.label} | ${r.throughput.toFixed(2)} | ${(r.throughput / rows[0].throughput).toFixed(2)} | ${r.p50.toFixed(2)} s | ${r.p95.toFixed(2)} s |`);
