#!/usr/bin/env node
// `node bench/gitops-layouts.mjs`: safe-deploy on a synthetic fleet repository
// laid out as Flux and Argo CD users lay theirs out — CLUSTERS cluster folders,
// each with a Flux Kustomization per app (targetNamespace, a patch, postBuild
// substitution from a cluster ConfigMap), and an Argo CD ApplicationSet
// (git directories × list, goTemplate) plus an app-of-apps chart over the same
// apps — against the pipeline a user would script by hand in the same run:
// `kubectl kustomize` of every affected overlay at base and head, one after the
// other, and `diff -u` of the outputs (no post-build, no Argo CD semantics).
//
// Scenario: one shared base changes, so every cluster's copy of that app is affected.
// Usage: node bench/gitops-layouts.mjs [clusters] [apps]
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findTool } from '../dist/render/tools.js';
import { node, run } from './lib/measure.mjs';

const CLUSTERS = Number(process.argv[2] ?? 40);
const APPS = Number(process.argv[3] ?? 10);
const BIN = fileURLToPath(new URL('../bin/safe-deploy.js', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'bench-layouts-'));
const repo = join(root, 'repo');
const env = { ...process.env, GIT_AUTHOR_NAME: 'bench', GIT_AUTHOR_EMAIL: 'bench@example.com', GIT_COMMITTER_NAME: 'bench', GIT_COMMITTER_EMAIL: 'bench@example.com' };
const git = (...args) => spawnSync('git', args, { cwd: repo, env, encoding: 'utf8' }).stdout.trim();

function write(files) {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(repo, path)), { recursive: true });
    writeFileSync(join(repo, path), text);
  }
  git('add', '-A');
  git('commit', '-q', '-m', 'change');
  return git('rev-parse', 'HEAD');
}

const deployment = (app, image) => `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${app}}
spec:
  replicas: \${replicas:=2}
  selector: {matchLabels: {app: ${app}}}
  template:
    metadata: {labels: {app: ${app}}}
    spec:
      containers:
        - name: ${app}
          image: ${image}
          env: [{name: CLUSTER, value: "\${cluster_name}"}]
          resources: {requests: {cpu: 100m, memory: 64Mi}, limits: {memory: 128Mi}}
`;

function layout() {
  const files = {};
  for (let a = 0; a < APPS; a++) {
    const app = `app${a}`;
    files[`apps/${app}/kustomization.yaml`] = 'resources: [deployment.yaml, service.yaml]\n';
    files[`apps/${app}/deployment.yaml`] = deployment(app, `registry.example.com/${app}:1.0.0`);
    files[`apps/${app}/service.yaml`] = `apiVersion: v1\nkind: Service\nmetadata: {name: ${app}}\nspec: {selector: {app: ${app}}, ports: [{port: 80}]}\n`;
  }
  for (let c = 0; c < CLUSTERS; c++) {
    const cluster = `c${String(c).padStart(3, '0')}`;
    files[`clusters/${cluster}/flux-system/gotk-sync.yaml`] = `apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {name: flux-system, namespace: flux-system}
spec: {url: https://git.example.com/platform/fleet, ref: {branch: main}, interval: 1m}
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: flux-system, namespace: flux-system}
spec: {path: ./clusters/${cluster}/flux-system, prune: true, interval: 10m, sourceRef: {kind: GitRepository, name: flux-system}}
`;
    files[`clusters/${cluster}/vars.yaml`] = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cluster-vars, namespace: flux-system}\ndata: {cluster_name: ${cluster}, replicas: "${2 + (c % 3)}"}\n`;
    files[`clusters/${cluster}/apps.yaml`] = Array.from({ length: APPS }, (_, a) => `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: app${a}, namespace: flux-system}
spec:
  interval: 10m
  path: ./apps/app${a}
  prune: true
  targetNamespace: app${a}
  sourceRef: {kind: GitRepository, name: flux-system}
  patches:
    - target: {kind: Deployment}
      patch: '[{"op": "add", "path": "/metadata/labels", "value": {"cluster": "${cluster}"}}]'
  postBuild:
    substituteFrom: [{kind: ConfigMap, name: cluster-vars}]
`).join('---\n');
  }
  files['argocd/apps.yaml'] = `apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: {name: apps, namespace: argocd}
spec:
  goTemplate: true
  generators:
    - matrix:
        generators:
          - git: {repoURL: https://git.example.com/platform/fleet, revision: HEAD, directories: [{path: apps/*}]}
          - list: {elements: [{env: edge-a}, {env: edge-b}]}
  template:
    metadata: {name: '{{ .path.basename }}-{{ .env }}'}
    spec:
      project: default
      source: {repoURL: https://git.example.com/platform/fleet, targetRevision: HEAD, path: '{{ .path.path }}', kustomize: {namePrefix: '{{ .env }}-'}}
      destination: {server: https://kubernetes.default.svc, namespace: '{{ .path.basename | upper | lower }}'}
`;
  return files;
}

try {
  mkdirSync(repo, { recursive: true });
  git('init', '-q', '-b', 'main');
  const base = write(layout());
  const head = write({ 'apps/app0/deployment.yaml': deployment('app0', 'registry.example.com/app0:1.1.0') });

  const review = node(BIN, ['review', '--repo', repo, '--base', base, '--head', head, '--format', 'json']);
  if (review.status === 2) throw new Error(review.stderr);
  const json = JSON.parse(review.stdout);
  const changes = json.targets.reduce((n, t) => n + t.changes.length, 0);

  // By hand: every overlay that uses apps/app0, built at base and head, diffed; no Flux or Argo CD semantics.
  const kustomize = await findTool('kustomize');
  const work = join(root, 'by-hand');
  const byHand = () => {
    let seconds = 0;
    const overlays = CLUSTERS + 2;
    for (const [name, sha] of [['base', base], ['head', head]]) {
      const tree = join(work, name);
      seconds += run('git', ['-C', repo, 'worktree', 'add', '-q', '--detach', tree, sha]).seconds;
      for (let i = 0; i < overlays; i++) {
        const built = run(kustomize.command, [...kustomize.prefix, join(tree, 'apps/app0')], { maxBuffer: 1 << 28 });
        writeFileSync(join(work, `${name}-${i}.yaml`), built.stdout);
        seconds += built.seconds;
      }
    }
    for (let i = 0; i < overlays; i++) seconds += run('diff', ['-u', join(work, `base-${i}.yaml`), join(work, `head-${i}.yaml`)]).seconds;
    return seconds;
  };
  const baseline = byHand();

  console.log(`fleet: ${CLUSTERS} clusters × ${APPS} apps as Flux Kustomizations + an ApplicationSet of ${APPS} × 2 Applications (${cpus().length} cores)`);
  console.log(`change: one shared base → ${json.targets.length} targets reviewed, ${changes} changes, verdict ${json.verdict}`);
  console.log(`safe-deploy review: ${review.seconds.toFixed(2)} s, peak RSS ${(review.peakRss / 2 ** 20).toFixed(0)} MB`);
  console.log(`by hand (kubectl kustomize of the ${CLUSTERS + 2} affected overlays at base and head, sequential): ${baseline.toFixed(2)} s`);
  console.log(`ratio safe-deploy / by hand: ${(review.seconds / baseline).toFixed(2)}`);
} finally {
  spawnSync('git', ['-C', repo, 'worktree', 'prune']);
  rmSync(root, { recursive: true, force: true });
}
