// The environment matrix in the comment when many targets make the same change:
// 200 overlays of one base (same names, one namespace each) relabel three objects.
import { describe, expect, it } from 'vitest';
import { diffResources } from '../../src/core/diff/index.js';
import { blastRadius } from '../../src/core/blast-radius.js';
import { analyzeImpacts } from '../../src/core/impact.js';
import { environmentMatrix, targetAffixes } from '../../src/core/matrix.js';
import type { Finding, Review, TargetResult } from '../../src/core/model.js';
import type { Resource } from '../../src/core/resource.js';
import { summarize } from '../../src/core/summary.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { renderJson } from '../../src/report/json.js';
import { res } from '../helpers/resources.js';

const objects = (namespace: string, label: string, replicas: number, readsSettings = false): Resource[] => [
  res({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace, labels: { 'managed-by': label } }, data: { url: `http://api.${namespace}.svc` } }),
  res({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace, labels: { 'managed-by': label } }, spec: { selector: { app: 'web' }, ports: [{ port: 80 }] } }),
  res({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace, labels: { 'managed-by': label } },
    spec: { replicas, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'web:1', ...(readsSettings ? { envFrom: [{ configMapRef: { name: 'settings' } }] } : {}) }] } } },
  }),
];

function target(name: string, namespace: string, replicasAfter = 2, readsSettings = false): TargetResult {
  const base = objects(namespace, 'platform', 2, readsSettings);
  const head = objects(namespace, 'platform-v2', replicasAfter, readsSettings);
  const changes = analyzeImpacts(diffResources(base, head), { base, head });
  return { name, path: name, renderer: 'kustomize', status: 'ok', changes, blastRadius: blastRadius(changes, head) };
}

function reviewOf(targets: TargetResult[], findings: Finding[] = []): Review {
  return { verdict: 'pass', base: 'a'.repeat(40), head: 'b'.repeat(40), mergeBase: 'a'.repeat(40), summary: summarize(targets), targets, findings, tools: [] };
}

const overlays = (n: number, readsSettings = false) => Array.from({ length: n }, (_, i) => target(`overlays/app-${String(i).padStart(3, '0')}`, `app-${i}`, i === 7 ? 4 : 2, readsSettings));

describe('the environment matrix', () => {
  it('tells the prefix and suffix each target adds to every name by comparing targets', () => {
    const affixes = (...targets: Array<[string, string[]]>) => targetAffixes(targets.map(([path, names]) => ({ path, names })));
    const none = { prefix: '', suffix: '' };
    // Overlays with namePrefix: the names the targets share once bare.
    expect(affixes(['overlays/dev', ['dev-web', 'dev-config']], ['overlays/prod', ['prod-web', 'prod-config']], ['overlays/base', ['web', 'config']])).toEqual([
      { prefix: 'dev-', suffix: '' },
      { prefix: 'prod-', suffix: '' },
      none,
    ]);
    expect(affixes(['eu', ['web-eu1', 'db-eu1']], ['us', ['web-us1', 'db-us1']])).toEqual([
      { prefix: '', suffix: '-eu1' },
      { prefix: '', suffix: '-us1' },
    ]);
    expect(affixes(['a', ['pre-web-x', 'pre-api-x']], ['b', ['web', 'api']])).toEqual([{ prefix: 'pre-', suffix: '-x' }, none]);
    // Names that share a stem in every target but no overlay prefix are kept whole (overlays of one app, no namePrefix).
    expect(affixes(['overlays/app-00/dev', ['app-00-web', 'app-00-config', 'app-00']], ['overlays/app-00/prod', ['app-00-web', 'app-00-config', 'app-00']])).toEqual([none, none]);
    // Only a prefix another target confirms is taken off: prod-app-web is app-web in prod when dev has app-web.
    expect(affixes(['dev', ['app-web', 'app-config']], ['prod', ['prod-app-web', 'prod-app-config']])).toEqual([none, { prefix: 'prod-', suffix: '' }]);
    // A target alone says nothing: its names are kept whole.
    expect(affixes(['overlays/prod', ['prod-web', 'prod-config']])).toEqual([none]);
    // "web" and "webhook" share "web" but no "-" boundary.
    expect(affixes(['x', ['web', 'webhook']], ['y', ['hook']])).toEqual([none, none]);
    // One name: only a segment of the target's path can be its affix.
    expect(affixes(['overlays/prod', ['prod-web']], ['overlays/dev', ['dev-web']])).toEqual([
      { prefix: 'prod-', suffix: '' },
      { prefix: 'dev-', suffix: '' },
    ]);
    expect(affixes(['apps/frontend', ['frontend-api']], ['teams/two', ['backend-api']])).toEqual([none, none]);
    expect(affixes(['clusters/eu1/apps', ['web-eu1']], ['clusters/us1/apps', ['web-us1']])).toEqual([
      { prefix: '', suffix: '-eu1' },
      { prefix: '', suffix: '-us1' },
    ]);
  });

  it('groups changes equal but for the namespace, including the namespace inside values', () => {
    const matrix = environmentMatrix(overlays(3));
    // The ConfigMap's url names its namespace: equal once abstracted.
    expect(matrix.groups.map((g) => [g.kind, g.members.map((m) => `${m.target} ${m.change.namespace}/${m.change.name}`)])).toEqual([
      ['ConfigMap', ['overlays/app-000 app-0/settings', 'overlays/app-001 app-1/settings', 'overlays/app-002 app-2/settings']],
      ['Service', ['overlays/app-000 app-0/web', 'overlays/app-001 app-1/web', 'overlays/app-002 app-2/web']],
      ['Deployment', ['overlays/app-000 app-0/web', 'overlays/app-001 app-1/web', 'overlays/app-002 app-2/web']],
    ]);
    expect(matrix.rows.map((r) => `${r.kind} ${r.baseName}`)).toEqual(['ConfigMap settings', 'Service web', 'Deployment web']);
    expect(matrix.rows.every((r) => !r.differs)).toBe(true);
  });

  it('200 targets: every distinct change shown once within GitHub’s limit, the one that differs named', () => {
    const review = reviewOf(overlays(200));
    const comment = renderMarkdown(review);
    expect(comment.length).toBeLessThanOrEqual(65_536);
    expect(comment).not.toContain('left out to fit');
    // The label moves on all 600 objects: told once. Three changes made by 199 or 200 targets are only that; app-007's Deployment also scales: one diff.
    expect(comment).toContain('- label <code>managed-by</code> <code>platform</code> → <code>platform-v2</code> on 600 objects (200 ConfigMaps, 200 Services, 200 Deployments) in 200 targets: ');
    expect(comment.split('_Only the repeated changes above._').length - 1).toBe(3);
    expect(comment.split('```diff').length - 1).toBe(1);
    expect(comment).toContain('_Besides the repeated changes above:_');
    expect(comment).toMatch(/-  replicas: 2\n\+  replicas: 4\n/);
    // The label is in no diff block.
    expect(comment).not.toMatch(/^[-+]\s+managed-by:/m);
    expect(comment).toContain('Same in 200 targets: <code>overlays/app-000</code>, <code>overlays/app-001</code>');
    expect(comment).toContain('Same in 199 targets:');
    // Too many columns: per object, each distinct change and how many targets make it.
    expect(comment).toContain('| Object | Change in targets |');
    expect(comment).toMatch(/\| <code>Deployment web<\/code> ⚠️ differs \| \[✏️\]\(#safe-deploy-g\d+\) 199 targets · ✏️ <code>overlays\/app-007<\/code> \|/);
    expect(comment).toMatch(/\| <code>ConfigMap settings<\/code> \| \[✏️\]\(#safe-deploy-g\d+\) all \|/);
    // The JSON keeps every change.
    const json = JSON.parse(renderJson(review)) as { targets: Array<{ changes: unknown[] }>; matrix: { groups: Array<{ members: unknown[] }> } };
    expect(json.targets.reduce((n, t) => n + t.changes.length, 0)).toBe(600);
    expect(json.matrix.groups.map((g) => g.members.length).sort((a, b) => a - b)).toEqual([1, 199, 200, 200]);
  });

  it('a warning in each of 200 targets: the table keeps 25 rows so that every distinct change is shown, and the diagram gets the room back', () => {
    // The Deployment reads the ConfigMap: the blast radius has a diagram.
    const targets = overlays(200, true);
    const findings: Finding[] = targets.map((t, i) => ({
      rule: 'config-not-rolled-out',
      severity: 'warning',
      target: t.name,
      kind: 'ConfigMap',
      namespace: `app-${i}`,
      name: 'settings',
      message: `ConfigMap settings changes in place in app-${i} and no workload that reads it rolls out: ${'the pods keep the old values until they restart. '.repeat(6)}`,
      overridden: false,
      introduced: true,
    }));
    const comment = renderMarkdown(reviewOf(targets, findings));
    expect(comment.length).toBeLessThanOrEqual(65_536);
    expect(comment.split('\n').filter((l) => l.startsWith('| ⚠️ warning |'))).toHaveLength(25);
    expect(comment).toContain('_175 more findings not shown for size: see the check run or `--format json`._');
    expect(comment.split('```diff').length - 1).toBe(1);
    expect(comment).not.toContain('left out to fit');
    expect(comment).toContain('```mermaid\nflowchart LR\n');
  });
});
