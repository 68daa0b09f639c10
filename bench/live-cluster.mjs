#!/usr/bin/env node
// Live mode against a local fake API server that answers every request after 20 ms:
// a plain target of 1,000 objects (Deployments, Services, ConfigMaps and a custom
// kind over 10 namespaces), 100 of them changed. Prints the time and the requests of
// the review with live mode, beside two baselines of the same run: the review without
// live mode, and live mode with one request at a time (what a client without
// concurrency pays). Usage: npm run bench:live [-- objects changed latencyMs]
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [objects = 1000, changed = 100, latencyMs = 20] = process.argv.slice(2).map(Number);
const NAMESPACES = 10;
const { runReview } = await import('../dist/review.js');
// The fake is the tests' own (TypeScript, loaded through the test hooks: run with --import test/helpers/ts-threads.mjs).
const { FakeKubeApi, kubeconfigFor, serveKubeApi } = await import('../test/fakes/kube-api.js');

const kinds = ['Deployment', 'Service', 'ConfigMap', 'Widget'];
function object(i, version) {
  const name = `obj-${i}`;
  const namespace = `team-${i % NAMESPACES}`;
  switch (kinds[i % kinds.length]) {
    case 'Deployment':
      return { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace }, spec: { replicas: 2, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image: `registry.example.com/${name}:${version}` }] } } } };
    case 'Service':
      return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace }, spec: { selector: { app: name }, ports: [{ port: 80, targetPort: 8080 }], ...(version !== '1.0' ? { sessionAffinity: 'ClientIP' } : {}) } };
    case 'ConfigMap':
      return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data: { version } };
    default:
      return { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name, namespace }, spec: { size: version } };
  }
}

const dir = mkdtempSync(join(tmpdir(), 'bench-live-'));
const repo = join(dir, 'repo');
const env = { ...process.env, GIT_AUTHOR_NAME: 'b', GIT_AUTHOR_EMAIL: 'b@b', GIT_COMMITTER_NAME: 'b', GIT_COMMITTER_EMAIL: 'b@b' };
const git = (...args) => execFileSync('git', args, { cwd: repo, env, encoding: 'utf8' }).trim();
mkdirSync(join(repo, 'deploy'), { recursive: true });
git('init', '-q', '-b', 'main');
writeFileSync(join(repo, '.safe-deploy.yml'), 'targets:\n  - {name: fleet, path: deploy}\n');
const write = (version) => {
  const docs = Array.from({ length: objects }, (_, i) => JSON.stringify(object(i, i < changed ? version : '1.0')));
  writeFileSync(join(repo, 'deploy', 'all.yaml'), docs.join('\n---\n'));
};
write('1.0');
git('add', '-A');
git('commit', '-qm', 'base');
const base = git('rev-parse', 'HEAD');
write('1.1');
git('commit', '-qam', 'head');
const head = git('rev-parse', 'HEAD');

const fake = new FakeKubeApi();
fake.addKind({ group: 'example.com', version: 'v1', kind: 'Widget', plural: 'widgets', namespaced: true });
for (let n = 0; n < NAMESPACES; n++) fake.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: `team-${n}` } });
for (let i = 0; i < objects; i++) fake.put(object(i, '1.0'));
const server = await serveKubeApi(fake, { latencyMs });
const kubeconfig = join(dir, 'kubeconfig');
writeFileSync(kubeconfig, kubeconfigFor(server.url));

async function measure(label, live) {
  fake.requests.length = 0;
  const start = performance.now();
  const review = await runReview({ repo, base, head, ...(live ? { live } : {}) });
  const seconds = (performance.now() - start) / 1000;
  const target = review.targets[0];
  return { label, seconds, requests: fake.requests.length, writes: fake.writes().length, status: target.live?.status ?? '-', changes: target.changes.length };
}

const access = { kind: 'local', kubeconfig, cwd: dir, defaultKubeconfig: kubeconfig };
await measure('warm-up', null);
await measure('warm-up', { access });
const rows = [
  await measure('review, no live mode', null),
  await measure('review --live, 16 in flight, 1,000 requests/s', { access, limits: { qps: 1000, burst: 2000 } }),
  await measure('review --live, defaults (16 in flight, 100 requests/s)', { access }),
  await measure('review --live, one request at a time', { access, limits: { concurrency: 1, qps: 1000, burst: 2000, budgetMs: 600_000 } }),
];
await server.close();
rmSync(dir, { recursive: true, force: true });

const sequential = rows.at(-1).seconds;
console.log(`live mode: ${objects} objects, ${changed} changed, ${latencyMs} ms per request`);
console.log('| run | time | × one at a time | requests | writes | live status | changes |');
console.log('| --- | --- | --- | --- | --- | --- | --- |');
for (const r of rows) console.log(`| ${r.label} | ${r.seconds.toFixed(2)} s | ${(r.seconds / sequential).toFixed(3)} | ${r.requests} | ${r.writes} | ${r.status} | ${r.changes} |`);
