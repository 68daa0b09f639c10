import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isAllowed, type Principal, type Role } from '../../src/commands/authorize.js';
import { OverrideRecords } from '../../src/commands/override-record.js';
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

describe('isAllowed', () => {
  const principal = (username: string, role: Role, groups: string[] = []): Principal => ({ username, role: async () => role, memberOf: async (g) => groups.includes(g) });

  it('accepts roles at least as high as named, users by name and team members', async () => {
    expect(await isAllowed(principal('ann', 'maintain'))).toBe(true);
    expect(await isAllowed(principal('ann', 'admin'))).toBe(true);
    expect(await isAllowed(principal('bob', 'write'))).toBe(false);
    expect(await isAllowed(principal('bob', 'write'), ['developers'])).toBe(true);
    expect(await isAllowed(principal('Bob', 'read'), ['@bob'])).toBe(true);
    expect(await isAllowed(principal('eve', 'read', ['acme/sre']), ['@acme/sre'])).toBe(true);
    expect(await isAllowed(principal('eve', 'read', ['acme/dev']), ['@acme/sre', 'admin'])).toBe(false);
  });
});

describe('overrides in the thread', () => {
  const record = { rule: 'image-tag-mutable', resource: 'Deployment/web', sha: 'abc', by: 'ann', reason: 'hotfix --> tomorrow', at: '2026-11-27T00:00:00Z' };

  const records = new OverrideRecords('server-secret');
  const own = (id: number, body: string) => ({ id, body, author: 'safe-deploy[bot]', own: true });

  it('are read back from the bot’s own confirmations for the current head only', () => {
    const comments = [
      own(1, records.confirmation(record, 'acme/gitops#1')),
      { id: 2, body: records.confirmation({ ...record, rule: 'host-path' }, 'acme/gitops#1'), author: 'mallory', own: false },
      own(3, records.confirmation({ ...record, sha: 'old' }, 'acme/gitops#1')),
    ];
    expect(records.active(comments, 'abc', 'acme/gitops#1')).toEqual([record]);
    expect(records.active(comments, 'new-push', 'acme/gitops#1')).toEqual([]);
    // The record is the JSON in a fixed key order, then HMAC-SHA256 of the merge request and the record under HMAC-SHA256(secret, label), both base64url.
    const payload = Buffer.from('{"rule":"image-tag-mutable","resource":"Deployment/web","sha":"abc","by":"ann","reason":"hotfix --> tomorrow","at":"2026-11-27T00:00:00Z"}').toString('base64url');
    const key = createHmac('sha256', 'server-secret').update('safe-deploy override record v1').digest();
    const mac = createHmac('sha256', key).update(`acme/gitops#1\n${payload}`).digest('base64url');
    expect(records.confirmation(record, 'acme/gitops#1')).toBe(
      [
        'Override recorded: <code>image-tag-mutable</code> on <code>Deployment/web</code> for <code>abc</code>, by @ann: hotfix --&gt; tomorrow',
        '',
        'It holds until the next push.',
        `<!-- safe-deploy:override ${payload}.${mac} -->`,
      ].join('\n'),
    );
  });

  it('are ignored when forged, signed with another key, or quoted inside any other text', () => {
    const genuine = records.confirmation(record, 'acme/gitops#1');
    const line = genuine.split('\n').pop()!;
    const payload = /override ([^.]+)\./.exec(line)![1]!;
    const forgedPayload = Buffer.from(JSON.stringify({ ...record, by: 'cto' })).toString('base64url');
    const comments = [
      // The record line alone, as an echo of someone's text would carry it.
      own(1, `Sorry, \`/safe-deploy rerun\` needs write access.\n${line}`),
      // A genuine record inside a diff the bot posted.
      own(2, `\`\`\`diff\n+  note: x\n${genuine}\n\`\`\``),
      // Another payload under a genuine MAC, and an unsigned record.
      own(3, genuine.replace(payload, forgedPayload)),
      own(4, `${genuine.slice(0, genuine.lastIndexOf('.'))}.${'A'.repeat(43)} -->`),
      // Signed with another server's key.
      own(5, new OverrideRecords('other-secret').confirmation(record, 'acme/gitops#1')),
      // Text added before a genuine confirmation.
      own(6, `Hello\n${genuine}`),
      // A genuine confirmation of another merge request, posted here.
      own(7, records.confirmation(record, 'acme/gitops#2')),
    ];
    expect(records.active(comments, 'abc', 'acme/gitops#1')).toEqual([]);
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
