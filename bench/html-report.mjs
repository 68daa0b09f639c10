#!/usr/bin/env node
// The full report page of a big review: size of the file, time to make it, and the
// time headless Chromium takes to open it (navigation to the page's own "N of N
// changes" line, i.e. parsed, scripted and laid out), against a baseline in the
// same run: a page of the same review's unified diffs as plain <pre> text, nothing
// scripted. Usage: npm run bench:html [-- changes runs]
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { diffResources } from '../dist/core/diff/index.js';
import { analyzeImpacts } from '../dist/core/impact.js';
import { toResource } from '../dist/core/resource.js';
import { summarize } from '../dist/core/summary.js';
import { renderHtml } from '../dist/report/html.js';
import { median } from './lib/measure.mjs';

const [count = 10_000, runs = 3] = process.argv.slice(2).map(Number);
const chromiumPath = process.env.SAFE_DEPLOY_CHROMIUM || '/usr/bin/chromium';

const deployment = (i, version) =>
  toResource(
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: `svc-${i}`, namespace: `team-${i % 50}`, labels: { app: `svc-${i}` } },
      spec: { replicas: 2, selector: { matchLabels: { app: `svc-${i}` } }, template: { metadata: { labels: { app: `svc-${i}` } }, spec: { containers: [{ name: 'app', image: `registry.example.com/svc-${i}:${version}` }] } } },
    },
    'default',
    { file: 'deploy.yaml', line: 1 },
  );

const targets = Array.from({ length: 10 }, (_, t) => {
  const ids = Array.from({ length: count / 10 }, (_, k) => t * (count / 10) + k);
  const base = ids.map((i) => deployment(i, '1.0.0'));
  const head = ids.map((i) => deployment(i, '1.1.0'));
  return { name: `overlays/env-${t}`, path: `overlays/env-${t}`, renderer: 'kustomize', status: 'ok', changes: analyzeImpacts(diffResources(base, head), { base, head }) };
});
const review = { verdict: 'pass', base: 'a'.repeat(40), head: 'b'.repeat(40), mergeBase: 'a'.repeat(40), summary: summarize(targets), targets, findings: [], tools: [] };

const dir = mkdtempSync(join(tmpdir(), 'bench-html-'));
let start = performance.now();
const html = renderHtml(review);
const makeSeconds = (performance.now() - start) / 1000;
const page = join(dir, 'report.html');
writeFileSync(page, html);
const escape = (text) => text.replace(/[&<>]/g, (c) => `&#${c.charCodeAt(0)};`);
const plain = join(dir, 'plain.html');
writeFileSync(plain, `<!doctype html><meta charset="utf-8"><p id="done">${count} of ${count} changes</p>${targets.flatMap((t) => t.changes.map((c) => `<pre>${escape(c.diff)}</pre>`)).join('')}`);

const browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
async function open(file, ready) {
  const times = [];
  for (let i = 0; i < runs; i++) {
    const tab = await browser.newPage();
    start = performance.now();
    await tab.goto(`file://${file}`);
    await tab.waitForFunction(ready);
    times.push((performance.now() - start) / 1000);
    await tab.close();
  }
  return median(times);
}
const report = await open(page, `document.getElementById('shown')?.textContent === '${count} of ${count} changes'`);
const baseline = await open(plain, `document.getElementById('done') !== null`);
await browser.close();

const mb = (file) => (statSync(file).size / 2 ** 20).toFixed(1);
console.log(`report page of ${count} changed Deployments in 10 targets, median of ${runs} opens in headless Chromium`);
console.log('| page | size | made in | opened in | ratio |');
console.log('| --- | --- | --- | --- | --- |');
console.log(`| plain <pre> diffs (baseline) | ${mb(plain)} MB | – | ${baseline.toFixed(2)} s | 1.00 |`);
console.log(`| safe-deploy report | ${mb(page)} MB | ${makeSeconds.toFixed(2)} s | ${report.toFixed(2)} s | ${(report / baseline).toFixed(2)} |`);
rmSync(dir, { recursive: true, force: true });
