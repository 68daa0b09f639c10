#!/usr/bin/env node
// Render time per target type on Online Boutique (../shared/corpus): the
// Kustomize root, the plain manifests, and a Helm chart made of the same
// manifests as templates. Each is compared with the bare tool on the same
// files in the same run (the tool alone, no sandbox, no parsing).
// Usage: node bench/render-targets.mjs [runs]
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderTarget } from '../dist/render/index.js';
import { DEFAULT_LIMITS } from '../dist/render/sandbox.js';
import { findTool } from '../dist/render/tools.js';
import { Snapshot } from '../dist/repo/snapshot.js';
import { median, run } from './lib/measure.mjs';

const runs = Number(process.argv[2] ?? 7);
const corpus = fileURLToPath(new URL('../../shared/corpus/online-boutique', import.meta.url));
const repo = mkdtempSync(join(tmpdir(), 'bench-render-'));
const env = { ...process.env, GIT_AUTHOR_NAME: 'b', GIT_AUTHOR_EMAIL: 'b@b', GIT_COMMITTER_NAME: 'b', GIT_COMMITTER_EMAIL: 'b@b' };
const git = (...args) => execFileSync('git', args, { cwd: repo, env, encoding: 'utf8' }).trim();

try {
  cpSync(corpus, repo, { recursive: true });
  execFileSync('chmod', ['-R', 'u+w', repo]);
  mkdirSync(join(repo, 'chart/templates'), { recursive: true });
  writeFileSync(join(repo, 'chart/Chart.yaml'), 'apiVersion: v2\nname: boutique\nversion: 1.0.0\n');
  cpSync(join(repo, 'kubernetes-manifests'), join(repo, 'chart/templates'), { recursive: true });
  rmSync(join(repo, 'chart/templates/kustomization.yaml'), { force: true });
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('commit', '-q', '-m', 'corpus');
  const snapshot = await Snapshot.open(repo, git('rev-parse', 'HEAD'));
  const [kustomize, helm] = [await findTool('kustomize'), await findTool('helm')];
  const targets = [
    { target: { name: 'kustomize', path: 'kustomize', renderer: 'kustomize', namespace: 'shop' }, bare: [kustomize.command, [...kustomize.prefix, join(repo, 'kustomize')]] },
    { target: { name: 'plain', path: 'kubernetes-manifests', renderer: 'plain', namespace: 'shop' }, bare: ['cat', [join(repo, 'kubernetes-manifests/frontend.yaml')]] },
    { target: { name: 'helm', path: 'chart', renderer: 'helm', namespace: 'shop' }, bare: [helm.command, ['template', 'boutique', join(repo, 'chart')]] },
  ];
  console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}; ${await kustomize.version}, ${await helm.version}; median of ${runs}`);
  console.log('| target type | objects | safe-deploy render | bare tool | ratio |');
  console.log('| --- | --- | --- | --- | --- |');
  for (const { target, bare } of targets) {
    const times = [];
    let objects = 0;
    for (let i = 0; i < runs; i++) {
      const start = process.hrtime.bigint();
      objects = (await renderTarget(snapshot, target, DEFAULT_LIMITS)).length;
      times.push(Number(process.hrtime.bigint() - start) / 1e9);
    }
    const bareTimes = Array.from({ length: runs }, () => run(bare[0], bare[1]).seconds);
    const [ours, theirs] = [median(times), median(bareTimes)];
    const label = target.renderer === 'plain' ? 'cat of one file' : 'bare tool';
    console.log(`| ${target.renderer} | ${objects} | ${(ours * 1000).toFixed(0)} ms | ${(theirs * 1000).toFixed(0)} ms (${label}) | ${(ours / theirs).toFixed(2)}× |`);
  }
  await snapshot.dispose();
} finally {
  rmSync(repo, { recursive: true, force: true });
}
