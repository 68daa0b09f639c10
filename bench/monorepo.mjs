#!/usr/bin/env node
// `npm run bench`: safe-deploy on a synthetic GitOps monorepo (about 300
// targets, 10,000 objects) against the pipeline a user would script by hand —
// render every target at base and head with the same binaries, one after the
// other, and `diff -u` the outputs — in the same run.
//
// Scenarios: (a) one base file changed (4 overlays use it); (b) an image bump in
// every base; (c) the shared component changed (all 200 overlays); (d) a second
// push on top of (a), reviewed by the same process; (e) 10,000 changed plain
// objects through the core alone; (a′) and (c′) again, each in a new process,
// with a warm render cache on disk (filled by another merge request on the same
// base, (b), in a process of its own).
// Usage: node bench/monorepo.mjs [--skip-baseline]
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findTool } from '../dist/render/tools.js';
import { BASES, CHARTS, ENVIRONMENTS, PLAIN, baseFiles, commit, componentFiles, generateMonorepo, git } from './lib/monorepo.mjs';
import { node, run } from './lib/measure.mjs';

const skipBaseline = process.argv.includes('--skip-baseline');
const BIN = fileURLToPath(new URL('../bin/safe-deploy.js', import.meta.url));
const DRIVER = fileURLToPath(new URL('./lib/warm-review.mjs', import.meta.url));
const CORE = fileURLToPath(new URL('./core.mjs', import.meta.url));
const pad = (i) => String(i).padStart(2, '0');
const root = mkdtempSync(join(tmpdir(), 'bench-monorepo-'));
const repo = join(root, 'repo');

function scenarioCommits(base) {
  const bump = (i, tag) => baseFiles(i, tag);
  git(repo, 'checkout', '-q', '-b', 'a', base);
  const a = commit(repo, { [`bases/app-07/web.yaml`]: bump(7, '1.0.1')['bases/app-07/web.yaml'] }, 'a: one base file');
  const secondPush = readFileSync(join(repo, 'overlays/app-07/prod/kustomization.yaml'), 'utf8').replace('value: 3', 'value: 4');
  const d = commit(repo, { 'overlays/app-07/prod/kustomization.yaml': secondPush }, 'd: second push');
  git(repo, 'checkout', '-q', '-b', 'b', base);
  const files = {};
  for (let i = 0; i < BASES; i++) files[`bases/app-${pad(i)}/web.yaml`] = bump(i, '1.1.0')[`bases/app-${pad(i)}/web.yaml`];
  const b = commit(repo, files, 'b: image bump in every base');
  git(repo, 'checkout', '-q', '-b', 'c', base);
  const c = commit(repo, componentFiles('platform-v2'), 'c: shared component');
  git(repo, 'checkout', '-q', 'main');
  return { a, b, c, d };
}

/** The hand-written pipeline: both revisions checked out, every target rendered at each, one by one, then diffed. */
async function baseline(base, head) {
  const kustomize = await findTool('kustomize');
  const helm = await findTool('helm');
  const start = performance.now();
  const dirs = {};
  for (const [side, sha] of [['base', base], ['head', head]]) {
    dirs[side] = join(root, `baseline-${side}`);
    rmSync(dirs[side], { recursive: true, force: true });
    mkdirSync(dirs[side]);
    execFileSync('sh', ['-c', `git -C "${repo}" archive ${sha} | tar -x -C "${dirs[side]}"`]);
  }
  const out = join(root, 'baseline-out');
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out);
  const renders = [];
  for (let i = 0; i < BASES; i++) for (const env of ENVIRONMENTS) renders.push([`overlay-${i}-${env}`, (dir) => spawnSync(kustomize.command, [...kustomize.prefix, join(dir, `overlays/app-${pad(i)}/${env}`)], { maxBuffer: 1 << 28 })]);
  for (let i = 0; i < CHARTS; i++) {
    renders.push([`chart-${i}`, (dir) => spawnSync(helm.command, ['template', `chart-${pad(i)}`, join(dir, `charts/chart-${pad(i)}`), '-f', join(dir, `charts/chart-${pad(i)}/values-prod.yaml`)], { maxBuffer: 1 << 28 })]);
  }
  for (let i = 0; i < PLAIN; i++) {
    renders.push([`plain-${i}`, (dir) => spawnSync('sh', ['-c', `cat "${join(dir, `plain/team-${pad(i)}`)}"/*.yaml`], { maxBuffer: 1 << 28 })]);
  }
  for (const [name, render] of renders) {
    for (const side of ['base', 'head']) writeFileSync(join(out, `${name}.${side}.yaml`), render(dirs[side]).stdout);
    spawnSync('diff', ['-u', join(out, `${name}.base.yaml`), join(out, `${name}.head.yaml`)], { maxBuffer: 1 << 28 });
  }
  return { seconds: (performance.now() - start) / 1000, targets: renders.length };
}

function review(base, head, extra = []) {
  const result = node(BIN, ['review', '--repo', repo, '--base', base, '--head', head, '--format', 'json', ...extra]);
  if (result.status !== 0 && result.status !== 1) throw new Error(`review exited ${result.status}: ${result.stderr}`);
  const json = JSON.parse(result.stdout);
  return { ...result, targets: json.targets.length, objects: json.targets.reduce((n, t) => n + t.changes.length, 0), distinct: json.matrix.groups.length };
}

/** The comment of a review as posted on GitHub: its size, its diff blocks, and whether any diff was left out. */
function comment(base, head, extra = []) {
  const result = node(BIN, ['review', '--repo', repo, '--base', base, '--head', head, ...extra]);
  if (result.status !== 0 && result.status !== 1) throw new Error(`review exited ${result.status}: ${result.stderr}`);
  const text = result.stdout;
  return {
    characters: text.length,
    diffs: text.split('```diff').length - 1,
    // Entries whose every field change is told once as a repeated change, and how many such changes there are.
    repeatedOnly: text.split('_Only the repeated changes above._').length - 1,
    repeated: Number(/### Repeated changes \((\d+)\)/.exec(text)?.[1] ?? 0),
    leftOut: text.includes('resource diff') && text.includes('left out to fit'),
  };
}

const fmt = (s) => (s >= 10 ? `${s.toFixed(1)} s` : `${(s * 1000).toFixed(0)} ms`);
const mb = (bytes) => `${Math.round(bytes / 2 ** 20)} MB`;

try {
  const started = performance.now();
  const base = generateMonorepo(repo);
  const { a, b, c, d } = scenarioCommits(base);
  const files = git(repo, 'ls-files').split('\n').length;
  const kustomize = await findTool('kustomize');
  const helm = await findTool('helm');
  console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}; ${await kustomize.version}, ${await helm.version}`);
  console.log(`repository: ${files} files; ${BASES * ENVIRONMENTS.length} overlays over ${BASES} bases, ${CHARTS} charts (Argo CD Applications with value files), ${PLAIN} plain directories`);
  // Nothing of an earlier run may help: no tool version, no render.
  rmSync(join(tmpdir(), 'safe-deploy-tool-versions.json'), { force: true });

  const rows = [];
  for (const [id, label, head, target] of [
    ['a', 'one base file changed (4 overlays)', a, '≤ 1.5 s and ≤ 0.1× baseline'],
    ['b', 'image bump in every base (200 overlays)', b, '—'],
    ['c', 'shared component changed (200 overlays)', c, '≤ 0.5× baseline'],
  ]) {
    const ours = review(base, head);
    const theirs = skipBaseline ? null : await baseline(base, head);
    rows.push({ id, label, ours: ours.seconds, theirs: theirs?.seconds ?? null, rss: ours.peakRss, detail: `${ours.targets} targets, ${ours.objects} changes`, target });
  }

  // Another merge request on the same base, reviewed first in its own process, leaves its renders on disk.
  const cache = join(root, 'render-cache');
  const primed = review(base, b, ['--render-cache', cache]);
  const cacheBytes = Number(execFileSync('du', ['-sb', cache], { encoding: 'utf8' }).split('\t')[0]);
  const warmReviews = {};
  for (const [id, label, head, target] of [
    ['a', 'one base file changed, warm render cache', a, '≤ 0.05× baseline'],
    ['c', 'shared component changed, warm render cache', c, '≤ 0.25× baseline'],
  ]) {
    const ours = review(base, head, ['--render-cache', cache]);
    warmReviews[id] = ours;
    const cold = rows.find((r) => r.id === id);
    rows.push({ id: `${id}′`, label, ours: ours.seconds, theirs: cold.theirs, rss: ours.peakRss, detail: `${ours.targets} targets, ${ours.objects} changes; base side read from disk (filled by (b) in ${fmt(primed.seconds)}, ${mb(cacheBytes)} on disk); ${(ours.seconds / cold.ours).toFixed(2)}× of cold (${id})`, target });
  }

  // (c)'s comment, renders read from the warm cache: every distinct change (a group of the environment matrix) with its diff or as repeated changes, within GitHub's limit.
  const shared = comment(base, c, ['--render-cache', cache]);
  const sharedComment = `comment of (c): ${shared.characters.toLocaleString('en-US')} characters (GitHub's limit 65,536), ${shared.diffs} diffs and ${shared.repeatedOnly} entries made only of ${shared.repeated} repeated change${shared.repeated === 1 ? '' : 's'} for ${warmReviews.c.distinct} distinct changes, ${shared.leftOut ? 'some diffs left out' : 'no diff left out'}`;

  const warm = JSON.parse(execFileSync(process.execPath, ['--import', fileURLToPath(new URL('./lib/peak-rss.mjs', import.meta.url)), DRIVER, repo, base, a, d], { encoding: 'utf8', env: { ...process.env, PEAK_RSS_FILE: join(root, 'rss') } }));
  const warmRss = Number(readFileSync(join(root, 'rss'), 'utf8'));
  rows.push({ id: 'd', label: 'second push on top of (a), same process', ours: warm.second, theirs: null, rss: warmRss, detail: `cold (a) in that process: ${fmt(warm.first)}; ratio ${(warm.second / warm.first).toFixed(2)}× of cold (a)`, target: '≤ 0.3× cold (a)' });

  const core = run(process.execPath, [CORE, '10000', '3']);
  const perSecond = /\((\d+) objects\/s\)/.exec(core.stdout)?.[1];
  const coreRss = /peak RSS of this process \| (\d+) MB/.exec(core.stdout)?.[1];
  const coreMs = /core: diff \+ impacts \+ policy \+ Markdown \| (\d+) ms/.exec(core.stdout)?.[1];
  const coreBaseline = /baseline: YAML dump \+ text diff per object \| (\d+) ms/.exec(core.stdout)?.[1];
  rows.push({ id: 'e', label: '10,000 changed plain objects, core only', ours: Number(coreMs) / 1000, theirs: Number(coreBaseline) / 1000, rss: Number(coreRss) * 2 ** 20, detail: `${perSecond} objects/s (baseline: YAML dump + text diff per object)`, target: '≥ 20,000 objects/s; ≤ 500 MB' });

  console.log('');
  console.log('| scenario | safe-deploy | baseline | ratio | peak RSS | notes | target |');
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  for (const r of rows) {
    const ratio = r.theirs ? `${(r.ours / r.theirs).toFixed(3)}×` : '—';
    console.log(`| (${r.id}) ${r.label} | ${fmt(r.ours)} | ${r.theirs ? fmt(r.theirs) : '—'} | ${ratio} | ${mb(r.rss)} | ${r.detail} | ${r.target} |`);
  }
  console.log(`\n${sharedComment}`);
  console.log(`\nbench wall time ${fmt((performance.now() - started) / 1000)}`);
} finally {
  for (const entry of readdirSync(root)) rmSync(join(root, entry), { recursive: true, force: true });
  rmSync(root, { recursive: true, force: true });
}
