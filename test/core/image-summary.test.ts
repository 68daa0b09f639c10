// The image summary: what each container's image does between base and head,
// grouped by old → new reference across workloads and targets.
import { describe, expect, it } from 'vitest';
import { diffResources } from '../../src/core/diff/index.js';
import { imageMoves } from '../../src/core/image-summary.js';
import type { TargetResult } from '../../src/core/model.js';
import type { JsonObject, Resource } from '../../src/core/resource.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { summarize } from '../../src/core/summary.js';
import { res } from '../helpers/resources.js';

const workload = (kind: string, name: string, namespace: string, images: { init?: string; app: string; sidecar?: string }): Resource =>
  res({
    apiVersion: kind === 'CronJob' ? 'batch/v1' : 'apps/v1',
    kind,
    metadata: { name, namespace },
    spec: ((): JsonObject => {
      const pod = {
        ...(images.init ? { initContainers: [{ name: 'migrate', image: images.init }] } : {}),
        containers: [{ name: 'app', image: images.app }, ...(images.sidecar ? [{ name: 'proxy', image: images.sidecar }] : [])],
      };
      return kind === 'CronJob' ? { schedule: '* * * * *', jobTemplate: { spec: { template: { spec: pod } } } } : { selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: pod } };
    })(),
  });

const target = (name: string, base: Resource[], head: Resource[]): TargetResult => ({ name, path: name, renderer: 'plain', status: 'ok', changes: diffResources(base, head) });

describe('image summary', () => {
  const digestA = 'sha256:' + 'a'.repeat(64);
  const digestB = 'sha256:' + 'b'.repeat(64);
  const targets = [
    target(
      'envs/dev',
      [workload('Deployment', 'web', 'dev', { init: 'registry.example.com/migrate:2.0.0', app: 'registry.example.com/web:1.4.2', sidecar: `envoyproxy/envoy:v1.30@${digestA}` }), workload('CronJob', 'report', 'dev', { app: 'registry.example.com/report:3.1' })],
      [workload('Deployment', 'web', 'dev', { init: 'registry.example.com/migrate:1.9.0', app: 'registry.example.com/web:1.5.0', sidecar: `envoyproxy/envoy:v1.30@${digestB}` }), workload('CronJob', 'report', 'dev', { app: 'registry.example.com/report:latest' })],
    ),
    target(
      'envs/prod',
      [workload('Deployment', 'web', 'prod', { app: 'registry.example.com/web:1.4.2' })],
      [workload('Deployment', 'web', 'prod', { app: 'registry.example.com/web:1.5.0' }), workload('StatefulSet', 'cache', 'prod', { app: 'redis:7.2' })],
    ),
  ];

  it('lists each image move once, with the workloads and targets it reaches and its direction', () => {
    expect(imageMoves(targets)).toEqual([
      { repository: 'registry.example.com/migrate', from: 'registry.example.com/migrate:2.0.0', to: 'registry.example.com/migrate:1.9.0', direction: 'downgrade', workloads: ['Deployment dev/web (container migrate, init)'], targets: ['envs/dev'] },
      { repository: 'registry.example.com/web', from: 'registry.example.com/web:1.4.2', to: 'registry.example.com/web:1.5.0', direction: 'upgrade', workloads: ['Deployment dev/web (container app)', 'Deployment prod/web (container app)'], targets: ['envs/dev', 'envs/prod'] },
      { repository: 'envoyproxy/envoy', from: `envoyproxy/envoy:v1.30@${digestA}`, to: `envoyproxy/envoy:v1.30@${digestB}`, direction: 'same tag', workloads: ['Deployment dev/web (container proxy)'], targets: ['envs/dev'] },
      { repository: 'registry.example.com/report', from: 'registry.example.com/report:3.1', to: 'registry.example.com/report:latest', direction: 'changed', workloads: ['CronJob dev/report (container app)'], targets: ['envs/dev'] },
      { repository: 'redis', from: null, to: 'redis:7.2', direction: 'added', workloads: ['StatefulSet prod/cache (container app)'], targets: ['envs/prod'] },
    ]);
  });

  it('heads the comment, downgrades first', () => {
    const review = { verdict: 'pass' as const, base: 'a'.repeat(40), head: 'b'.repeat(40), mergeBase: 'a'.repeat(40), summary: summarize(targets), targets, findings: [], tools: [] };
    const comment = renderMarkdown(review);
    const table = comment.split('\n').filter((l) => l.startsWith('| <code>'));
    expect(comment).toContain('\n\n### Images (5)\n\n| Image | From | To | Direction | Workloads | Targets |');
    expect(table[0]).toBe('| <code>registry.example.com/migrate</code> | <code>:2.0.0</code> | <code>:1.9.0</code> | ⬇️ downgrade | Deployment dev/web (container migrate, init) | envs/dev |');
    expect(table).toContain('| <code>registry.example.com/web</code> | <code>:1.4.2</code> | <code>:1.5.0</code> | ⬆️ upgrade | Deployment dev/web (container app)<br>Deployment prod/web (container app) | envs/dev<br>envs/prod |');
    // "@" is written as an entity in code, so that it never mentions anyone.
    expect(table).toContain(`| <code>envoyproxy/envoy</code> | <code>:v1.30&#64;${digestA}</code> | <code>:v1.30&#64;${digestB}</code> | 🔁 same tag, new digest | Deployment dev/web (container proxy) | envs/dev |`);
    expect(table).toContain('| <code>redis</code> | — | <code>:7.2</code> | ➕ added | StatefulSet prod/cache (container app) | envs/prod |');
    expect(comment.indexOf('### Images')).toBeLessThan(comment.indexOf('<details>'));
  });
});
