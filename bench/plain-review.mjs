#!/usr/bin/env node
// Times `safe-deploy review` on a generated repository of plain manifests
// (default 1,000 objects in 20 directories, 50 of them changed) against a
// baseline in the same run: `git diff` of the same two commits, the least a
// reviewer without safe-deploy runs. Usage: node bench/plain-review.mjs [objects] [changed] [runs]
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, node, run } from './lib/measure.mjs';

const [objects = 1000, changed = 50, runs = 5] = process.argv.slice(2).map(Number);
const DIRS = 20;
const BIN = fileURLToPath(new URL('../bin/safe-deploy.js', import.meta.url));
const env = { ...process.env, GIT_AUTHOR_NAME: 'b', GIT_AUTHOR_EMAIL: 'b@b', GIT_COMMITTER_NAME: 'b', GIT_COMMITTER_EMAIL: 'b@b' };

function manifest(i, version) {
  const name = `svc-${i}`;
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  namespace: team-${i % DIRS}
  labels: { app: ${name}, tier: backend }
spec:
  replicas: ${1 + (i % 5)}
  selector: { matchLabels: { app: ${name} } }
  template:
    metadata: { labels: { app: ${name} } }
    spec:
      containers:
        - name: app
          image: registry.example.com/${name}:${version}
          ports: [{ containerPort: 8080, name: http }]
          env:
            - { name: LOG_LEVEL, value: info }
            - { name: UPSTREAM, value: "http://svc-${(i + 1) % objects}:8080" }
          readinessProbe: { httpGet: { path: /ready, port: http } }
          resources: { requests: { cpu: 100m, memory: 128Mi }, limits: { memory: 256Mi } }
`;
}

const repo = mkdtempSync(join(tmpdir(), 'bench-plain-'));
const git = (...args) => execFileSync('git', args, { cwd: repo, env, encoding: 'utf8' }).trim();
try {
  git('init', '-q', '-b', 'main');
  const write = (bumped) => {
    for (let i = 0; i < objects; i++) {
      const dir = join(repo, 'apps', `team-${i % DIRS}`);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, `svc-${i}.yaml`), manifest(i, bumped(i) ? '1.1.0' : '1.0.0'));
    }
    git('add', '-A');
    git('commit', '-q', '-m', 'snapshot');
    return git('rev-parse', 'HEAD');
  };
  const base = write(() => false);
  const step = Math.max(1, Math.floor(objects / changed));
  const head = write((i) => i % step === 0 && i / step < changed);

  const review = [];
  const baseline = [];
  for (let r = 0; r < runs; r++) {
    const result = node(BIN, ['review', '--repo', repo, '--base', base, '--head', head, '--format', 'json']);
    if (result.status !== 0) throw new Error(`review exited ${result.status}: ${result.stderr}`);
    const summary = JSON.parse(result.stdout).summary;
    if (summary.updated !== changed) throw new Error(`expected ${changed} updates, got ${JSON.stringify(summary)}`);
    review.push(result);
    baseline.push(run('git', ['-C', repo, 'diff', base, head]));
  }
  const wall = median(review.map((r) => r.seconds));
  const base0 = median(baseline.map((r) => r.seconds));
  const rss = Math.max(...review.map((r) => r.peakRss)) / 1024 / 1024;
  console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}`);
  console.log(`repository: ${objects} objects in ${DIRS} directories, ${changed} changed; median of ${runs} runs`);
  console.log('| measure | value |');
  console.log('| --- | --- |');
  console.log(`| safe-deploy review wall time | ${wall.toFixed(3)} s |`);
  console.log(`| baseline (git diff) wall time | ${base0.toFixed(3)} s |`);
  console.log(`| ratio safe-deploy / baseline | ${(wall / base0).toFixed(1)}× |`);
  console.log(`| safe-deploy peak RSS | ${rss.toFixed(0)} MB |`);
} finally {
  rmSync(repo, { recursive: true, force: true });
}
