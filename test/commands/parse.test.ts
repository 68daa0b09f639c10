import { describe, expect, it } from 'vitest';
import { mayOverride, type Principal, type Role } from '../../src/commands/authorize.js';
import { activeOverrides, overrideRecord } from '../../src/commands/override-record.js';
import { parseCommands } from '../../src/commands/parse.js';
import { applyOverrides } from '../../src/core/policy/overrides.js';
import { goodDeployment } from '../core/policy/helpers.js';
import { res } from '../helpers/resources.js';
import { reviewOf } from '../helpers/review.js';
import { evaluate } from '../core/policy/helpers.js';

describe('parseCommands', () => {
  it('finds every command line in order, with aliases, arguments and the override reason', () => {
    const body = [
      'Thanks!',
      '/safe-deploy help',
      '  /safe-deploy diff shop-prod',
      '/safe-deploy override image-tag-mutable Deployment/web -- hotfix image, pinned tomorrow -- really',
      '/safe-deploy',
      '/safe-deploy frobnicate now',
    ].join('\n');
    expect(parseCommands(body)).toEqual([
      { name: 'help', text: 'help', args: [] },
      { name: 'rerun', text: 'diff shop-prod', args: ['shop-prod'] },
      { name: 'override', text: 'override image-tag-mutable Deployment/web -- hotfix image, pinned tomorrow -- really', args: ['image-tag-mutable', 'Deployment/web'], reason: 'hotfix image, pinned tomorrow -- really' },
      { name: 'help', text: '', args: [] },
      { name: 'unknown', text: 'frobnicate now', args: ['now'] },
    ]);
  });

  it('ignores commands in code blocks, indented code, quotes and the middle of a line', () => {
    const body = ['```', '/safe-deploy rerun', '```', '~~~md', '/safe-deploy help', '~~~', '    /safe-deploy rerun', '> /safe-deploy override x -- y', 'say /safe-deploy help please', '/safe-deployed'].join('\n');
    expect(parseCommands(body)).toEqual([]);
  });

  it('leaves a reason out when there is none', () => {
    expect(parseCommands('/safe-deploy override pvc-deleted')[0]).toEqual({ name: 'override', text: 'override pvc-deleted', args: ['pvc-deleted'] });
  });
});

describe('mayOverride', () => {
  const principal = (username: string, role: Role, groups: string[] = []): Principal => ({ username, role: async () => role, memberOf: async (g) => groups.includes(g) });

  it('accepts roles at least as high as named, users by name and team members', async () => {
    expect(await mayOverride(principal('ann', 'maintain'))).toBe(true);
    expect(await mayOverride(principal('ann', 'admin'))).toBe(true);
    expect(await mayOverride(principal('bob', 'write'))).toBe(false);
    expect(await mayOverride(principal('bob', 'write'), ['developers'])).toBe(true);
    expect(await mayOverride(principal('Bob', 'read'), ['@bob'])).toBe(true);
    expect(await mayOverride(principal('eve', 'read', ['acme/sre']), ['@acme/sre'])).toBe(true);
    expect(await mayOverride(principal('eve', 'read', ['acme/dev']), ['@acme/sre', 'admin'])).toBe(false);
  });
});

describe('overrides in the thread', () => {
  const record = { rule: 'image-tag-mutable', resource: 'Deployment/web', sha: 'abc', by: 'ann', reason: 'hotfix --> tomorrow', at: '2026-11-27T00:00:00Z' };

  it('are read back from the bot’s own comments for the current head only', () => {
    const comments = [
      { id: 1, body: `Override recorded.\n${overrideRecord(record)}`, author: 'safe-deploy[bot]', own: true },
      { id: 2, body: overrideRecord({ ...record, rule: 'host-path' }), author: 'mallory', own: false },
      { id: 3, body: overrideRecord({ ...record, sha: 'old' }), author: 'safe-deploy[bot]', own: true },
    ];
    expect(activeOverrides(comments, 'abc')).toEqual([record]);
    expect(activeOverrides(comments, 'new-push')).toEqual([]);
    expect(overrideRecord(record)).not.toContain('-->\n');
  });

  it('mark the findings they cover and flip the verdict when nothing else blocks', () => {
    const latest = goodDeployment('web', { container: { image: 'nginx:latest' } });
    const other = goodDeployment('api', { container: { image: 'nginx:latest' } });
    const findings = evaluate([], [latest, other]).findings;
    const review = reviewOf([], [res(latest), res(other)], findings);
    expect(review.verdict).toBe('fail');
    const one = applyOverrides(review, [{ ...record, sha: 'x' }]);
    expect(one.findings.map((f) => [f.name, f.overridden])).toEqual([
      ['web', true],
      ['api', false],
    ]);
    expect(one.verdict).toBe('fail');
    const { resource: _one, ...everyObject } = record;
    const all = applyOverrides(review, [{ ...everyObject, sha: 'x' }]);
    expect(all.verdict).toBe('pass');
    expect(all.overrides).toHaveLength(1);
  });
});
