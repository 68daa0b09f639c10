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

/**
 * 10 targets of count/10 changed Deployments each: every object its own (distinct), or
 * the same objects in every target (shared: the page also draws the environment matrix).
 */
function reviewOf(shared) {
  const targets = Array.from({ length: 10 }, (_, t) => {
    const ids = Array.from({ length: count / 10 }, (_, k) => (shared ? k : t * (count / 10) + k));
    const base = ids.map((i) => deployment(i, '1.0.0'));
    const head = ids.map((i) => deployment(i, '1.1.0'));
    return { name: `overlays/env-${t}`, path: `overlays/env-${t}`, renderer: 'kustomize', status: 'ok', changes: analyzeImpacts(diffResources(base, head), { base, head }) };
  });
  return { verdict: 'pass', base: 'a'.repeat(40), head: 'b'.repeat(40), mergeBase: 'a'.repeat(40), summary: summarize(targets), targets, findings: [], tools: [] };
}

const dir = mkdtempSync(join(tmpdir(), 'bench-html-'));
const browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
async function open(file, ready) {
  const times = [];
  for (let i = 0; i < runs; i++) {
    const tab = await browser.newPage();
    const start = performance.now();
    await tab.goto(`file://${file}`);
    await tab.waitForFunction(ready);
    times.push((performance.now() - start) / 1000);
    await tab.close();
  }
  return median(times);
}
const mb = (file) => (statSync(file).size / 2 ** 20).toFixed(1);
const escape = (text) => text.replace(/[&<>]/g, (c) => `&#${c.charCodeAt(0)};`);

const rows = [];
let baseline;
for (const shared of [false, true]) {
  const review = reviewOf(shared);
  const start = performance.now();
  const html = renderHtml(review);
  const makeSeconds = (performance.now() - start) / 1000;
  const page = join(dir, `report-${shared}.html`);
  writeFileSync(page, html);
  if (!baseline) {
    const plain = join(dir, 'plain.html');
    writeFileSync(plain, `<!doctype html><meta charset="utf-8"><p id="done">${count} of ${count} changes</p>${review.targets.flatMap((t) => t.changes.map((c) => `<pre>${escape(c.diff)}</pre>`)).join('')}`);
    baseline = await open(plain, `document.getElementById('done') !== null`);
    rows.push(`| plain <pre> diffs (baseline) | ${mb(plain)} MB | – | ${baseline.toFixed(2)} s | 1.00 |`);
  }
  const opened = await open(page, `document.getElementById('shown')?.textContent === '${count} of ${count} changes'`);
  rows.push(`| safe-deploy report, ${shared ? 'same objects in every target (matrix drawn)' : 'distinct objects'} | ${mb(page)} MB | ${makeSeconds.toFixed(2)} s | ${opened.toFixed(2)} s | ${(opened / baseline).toFixed(2)} |`);
}
await browser.close();

console.log(`report page of ${count} changed Deployments in 10 targets, median of ${runs} opens in headless Chromium`);
console.log('| page | size | made in | opened in | ratio |');
console.log('| --- | --- | --- | --- | --- |');
for (const row of rows) console.log(row);
rmSync(dir, { recursive: true, force: true });
