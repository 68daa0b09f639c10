// Charts of Helm repositories from the server's chart cache (SAFE_DEPLOY_CHART_CACHE):
// archives as `helm pull` names them, made here with the real `helm package`.
// Expected objects are what `helm template` prints for the chart written below.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findTool } from '../../src/render/tools.js';
import { cli } from '../helpers/cli.js';
import { TestRepo } from '../helpers/git-repo.js';

let repo: TestRepo;
let cache: string;
beforeEach(async () => {
  repo = new TestRepo();
  cache = mkdtempSync(join(tmpdir(), 'safe-deploy-chart-cache-'));
  const helm = (await findTool('helm')).command;
  for (const version of ['1.0.0', '1.2.0', '2.0.0']) {
    const chart = join(cache, `src-${version}`, 'podinfo');
    mkdirSync(join(chart, 'templates'), { recursive: true });
    writeFileSync(join(chart, 'Chart.yaml'), `apiVersion: v2\nname: podinfo\nversion: ${version}\n`);
    writeFileSync(join(chart, 'values.yaml'), 'replicaCount: 1\n');
    writeFileSync(
      join(chart, 'templates', 'config.yaml'),
      `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: {{ .Release.Name }}}\ndata: {chart: "${version}", replicas: "{{ .Values.replicaCount }}"}\n`,
    );
    execFileSync(helm, ['package', chart, '--destination', cache], { stdio: 'ignore' });
  }
});
afterEach(() => {
  repo.dispose();
  rmSync(cache, { recursive: true, force: true });
});

const release = (version: string, replicas: number) => `apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: podinfo, namespace: podinfo}
spec:
  interval: 1h
  chart:
    spec:
      chart: podinfo
      version: "${version}"
      sourceRef: {kind: HelmRepository, name: podinfo}
  values: {replicaCount: ${replicas}}
`;
async function review(base: string, head: string, env: Record<string, string>) {
  const result = await cli(['review', '--repo', repo.dir, '--base', base, '--head', head, '--format', 'json'], env);
  expect(result.stderr).toBe('');
  return JSON.parse(result.stdout) as {
    targets: Array<{ name: string; renderer: string; changes: Array<{ action: string; kind: string; namespace: string; name: string; fields: unknown[] }> }>;
    notRendered?: Array<{ name: string; reason: string }>;
  };
}

describe('the chart cache', () => {
  it('renders a HelmRelease of a Helm repository chart from the newest cached archive its version range allows', async () => {
    const base = repo.commit({ 'apps/podinfo.yaml': release('>=1.0.0 <2.0.0', 1) });
    const head = repo.commit({ 'apps/podinfo.yaml': release('>=1.0.0 <2.0.0', 3) });
    const json = await review(base, head, { SAFE_DEPLOY_CHART_CACHE: cache });
    // podinfo 1.2.0 (not 2.0.0, outside the range), release "podinfo" in the HelmRelease's namespace.
    // (The file itself is a plain directory target too: it holds the HelmRelease object.)
    const rendered = json.targets.filter((t) => t.renderer === 'helm');
    expect(rendered.map((t) => t.name)).toEqual(['podinfo']);
    expect(rendered[0]!.changes).toMatchObject([
      { action: 'update', kind: 'ConfigMap', namespace: 'podinfo', name: 'podinfo', fields: [{ path: 'data.replicas', before: '1', after: '3' }] },
    ]);
    // A version bump is a change of the target too: 1.0.0 exactly.
    const pinned = await review(head, repo.commit({ 'apps/podinfo.yaml': release('1.0.0', 3) }), { SAFE_DEPLOY_CHART_CACHE: cache });
    expect(pinned.targets.find((t) => t.renderer === 'helm')!.changes).toMatchObject([{ action: 'update', fields: [{ path: 'data.chart', before: '1.2.0', after: '1.0.0' }] }]);
  });

  it('lists the chart as external without a cache, or when the cache lacks the version', async () => {
    const base = repo.commit({ 'apps/podinfo.yaml': release('3.x', 1) });
    const head = repo.commit({ 'apps/podinfo.yaml': release('3.x', 2) });
    for (const env of [{}, { SAFE_DEPLOY_CHART_CACHE: cache }] as Array<Record<string, string>>) {
      const json = await review(base, head, env);
      expect(json.targets.filter((t) => t.renderer === 'helm')).toEqual([]);
      expect(json.notRendered?.map((n) => `${n.name}: ${n.reason}`)).toEqual(['podinfo: external chart podinfo 3.x from HelmRepository podinfo/podinfo, not rendered']);
    }
  });

  it('renders an Argo CD Application of a repository chart from the cache', async () => {
    const app = (replicas: number) => `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: podinfo, namespace: argocd}
spec:
  source: {repoURL: https://stefanprodan.github.io/podinfo, chart: podinfo, targetRevision: 2.0.0, helm: {valuesObject: {replicaCount: ${replicas}}}}
  destination: {namespace: web}
`;
    const base = repo.commit({ 'argo/podinfo.yaml': app(1) });
    const json = await review(base, repo.commit({ 'argo/podinfo.yaml': app(2) }), { SAFE_DEPLOY_CHART_CACHE: cache });
    expect(json.targets.filter((t) => t.renderer === 'helm').map((t) => t.changes)).toMatchObject([
      [{ action: 'update', kind: 'ConfigMap', namespace: 'web', name: 'podinfo', fields: [{ path: 'data.replicas', before: '1', after: '2' }] }],
    ]);
  });
  it('a chart name that climbs out of the cache names no archive there', async () => {
    // The cache lists its own directory; an archive next to it is out of reach whatever the name says.
    const outside = join(cache, '..', `outside-${Date.now()}`);
    mkdirSync(outside);
    try {
      copyFileSync(join(cache, 'podinfo-1.0.0.tgz'), join(outside, 'podinfo-1.0.0.tgz'));
      const named = (chart: string, replicas: number) => release('1.0.0', replicas).replace('chart: podinfo', `chart: "${chart}"`);
      const chart = `../${basename(outside)}/podinfo`;
      const base = repo.commit({ 'apps/podinfo.yaml': named(chart, 1) });
      const json = await review(base, repo.commit({ 'apps/podinfo.yaml': named(chart, 2) }), { SAFE_DEPLOY_CHART_CACHE: cache });
      expect(json.targets.filter((t) => t.renderer === 'helm')).toEqual([]);
      expect(json.notRendered?.map((n) => n.reason)).toEqual([`external chart ${chart} 1.0.0 from HelmRepository podinfo/podinfo, not rendered`]);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });
});
