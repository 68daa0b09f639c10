#!/usr/bin/env node
// The pure core on many changed objects: diff + impacts + policy engine +
// Markdown with the size budget, against a baseline in the same run (what a
// script would do: YAML-dump both sides of each object and text-diff them).
// Usage: node bench/core.mjs [objects] [runs]
import { structuredPatch } from 'diff';
import { stringify } from 'yaml';
import { diffResources } from '../dist/core/diff/index.js';
import { analyzeImpacts } from '../dist/core/impact.js';
import { evaluatePolicies } from '../dist/core/policy/engine.js';
import { toResource } from '../dist/core/resource.js';
import { summarize } from '../dist/core/summary.js';
import { verdictOf } from '../dist/core/policy/verdict.js';
import { renderMarkdown } from '../dist/report/markdown.js';
import { median } from './lib/measure.mjs';

const [count = 10_000, runs = 5] = process.argv.slice(2).map(Number);

function workload(i, version) {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: `svc-${i}`, namespace: `team-${i % 50}`, labels: { app: `svc-${i}`, team: `team-${i % 50}` } },
    spec: {
      replicas: 2 + (i % 4),
      selector: { matchLabels: { app: `svc-${i}` } },
      template: {
        metadata: { labels: { app: `svc-${i}` } },
        spec: {
          securityContext: { runAsNonRoot: true },
          containers: [
            {
              name: 'app',
              image: `registry.example.com/svc-${i}:${version}`,
              env: [{ name: 'LOG_LEVEL', value: 'info' }, { name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } }],
              ports: [{ containerPort: 8080, name: 'http' }],
              readinessProbe: { httpGet: { path: '/ready', port: 'http' } },
              resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } },
            },
          ],
        },
      },
    },
  };
}
const config = (i, level) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cfg-${i}`, namespace: `team-${i % 50}` }, data: { LEVEL: level, 'app.conf': `listen 8080\nworkers ${i % 8}\n` } });
const side = (version, level) =>
  Array.from({ length: count }, (_, i) => (i % 5 === 4 ? config(i, level) : workload(i, version))).map((o, i) => toResource(o, 'default', { file: `apps/f${i % 200}.yaml`, line: 1 }));
const [base, head] = [side('1.0.0', 'info'), side('1.1.0', 'debug')];

const core = () => {
  const stamps = [process.hrtime.bigint()];
  const lap = () => stamps.push(process.hrtime.bigint());
  const changes = diffResources(base, head);
  lap();
  analyzeImpacts(changes, { base, head });
  lap();
  const { findings } = evaluatePolicies({ target: 'bench', changes, base, head }, { rules: {}, exclude: [] });
  lap();
  const targets = [{ name: 'bench', path: 'apps', renderer: 'plain', status: 'ok', changes }];
  const review = { verdict: verdictOf(targets, findings), base: 'a'.repeat(40), head: 'b'.repeat(40), mergeBase: 'a'.repeat(40), summary: summarize(targets), targets, findings, tools: [] };
  const text = renderMarkdown(review);
  lap();
  const span = (a, b) => Number(stamps[b] - stamps[a]) / 1e9;
  return { seconds: span(0, 4), diff: span(0, 1), impacts: span(1, 2), policy: span(2, 3), markdown: span(3, 4), changes: changes.length, findings: findings.length, chars: text.length };
};
const baseline = () => {
  const start = process.hrtime.bigint();
  let hunks = 0;
  for (let i = 0; i < count; i++) hunks += structuredPatch('a', 'b', stringify(base[i].object), stringify(head[i].object), '', '', { context: 3 }).hunks.length;
  return { seconds: Number(process.hrtime.bigint() - start) / 1e9, hunks };
};

core(); // warm-up
const results = Array.from({ length: runs }, core);
const baselines = Array.from({ length: runs }, baseline);
const [ours, theirs] = [median(results.map((r) => r.seconds)), median(baselines.map((r) => r.seconds))];
const rss = process.resourceUsage().maxRSS / 1024;
console.log(`${count} changed objects (${results[0].changes} changes, ${results[0].findings} findings, comment ${results[0].chars} chars); median of ${runs}`);
console.log('| measure | value |');
console.log('| --- | --- |');
console.log(`| core: diff + impacts + policy + Markdown | ${(ours * 1000).toFixed(0)} ms (${Math.round(count / ours)} objects/s) |`);
for (const stage of ['diff', 'impacts', 'policy', 'markdown']) console.log(`| … of which ${stage} | ${(median(results.map((r) => r[stage])) * 1000).toFixed(0)} ms |`);
console.log(`| baseline: YAML dump + text diff per object | ${(theirs * 1000).toFixed(0)} ms |`);
console.log(`| ratio core / baseline | ${(ours / theirs).toFixed(2)}× |`);
console.log(`| peak RSS of this process | ${rss.toFixed(0)} MB |`);
