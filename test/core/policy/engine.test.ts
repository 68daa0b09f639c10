import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load.js';
import { verdictOf } from '../../../src/core/policy/verdict.js';
import { evaluate, goodDeployment } from './helpers.js';

const latest = goodDeployment('web', { container: { image: 'nginx:latest' } });

describe('policy engine', () => {
  it('gives a finding the object identity and where it lives: head for changes, base for deletions', () => {
    const [finding] = evaluate([], [latest]).findings;
    expect(finding).toEqual({
      rule: 'image-tag-mutable',
      severity: 'error',
      target: 't',
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      namespace: 'shop',
      name: 'web',
      message: 'container app of Deployment web uses nginx:latest.',
      file: 'test.yaml',
      line: 1,
      overridden: false,
      introduced: true,
    });
    const pvc = { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data' }, spec: {} };
    expect(evaluate([pvc], []).findings[0]).toMatchObject({ rule: 'pvc-deleted', file: 'test.yaml', namespace: 'default' });
  });

  it('tells findings that held at base (inherited) from those the change introduces, by object and subject', () => {
    const env = (vars: Record<string, string>) => Object.entries(vars).map(([name, value]) => ({ name, value }));
    const before = goodDeployment('web', { container: { env: env({ DB_PASSWORD: 'hunter2', PAYPAL_URL: 'https://a' }) } });
    const after = goodDeployment('web', { container: { env: env({ DB_PASSWORD: 'hunter2', PAYPAL_URL: 'https://b', API_TOKEN: 'x' }) } });
    const run = evaluate([before], [after]);
    expect(run.findings.map((f) => [f.message, f.introduced])).toEqual([
      ['container app of Deployment web sets DB_PASSWORD to a literal value.', false],
      ['container app of Deployment web sets API_TOKEN to a literal value.', true],
    ]);
    expect(run.resolved).toBe(0);
    const fixed = goodDeployment('web', { container: { env: env({ PAYPAL_URL: 'https://b' }) } });
    expect(evaluate([before], [fixed])).toMatchObject({ findings: [], resolved: 1 });
  });

  it('follows a renamed object: a finding it carried along stays inherited', () => {
    const moved = { ...latest, metadata: { name: 'web', namespace: 'shop-v2' } };
    const run = evaluate([latest], [moved]);
    expect(run.findings.filter((f) => f.rule === 'image-tag-mutable').map((f) => [f.namespace, f.introduced])).toEqual([['shop-v2', false]]);
  });

  it('counts only introduced errors for the verdict unless blockOn is all', () => {
    const target = { name: 't', path: 't', renderer: 'plain' as const, status: 'ok' as const, changes: [] };
    const bumped = goodDeployment('web', { container: { image: 'nginx:latest', env: [{ name: 'MODE', value: 'fast' }] } });
    const inherited = evaluate([latest], [bumped]).findings;
    expect(inherited.map((f) => [f.rule, f.introduced])).toContainEqual(['image-tag-mutable', false]);
    expect(verdictOf([target], inherited)).toBe('pass');
    expect(verdictOf([target], inherited, 'all')).toBe('fail');
  });

  it('takes per-rule severities and turns rules off', () => {
    expect(evaluate([], [latest], { rules: { 'image-tag-mutable': 'warning' } }).findings.map((f) => f.severity)).toEqual(['warning']);
    expect(evaluate([], [latest], { rules: { 'image-tag-mutable': 'off' } }).findings).toEqual([]);
  });

  it('excludes by rule, namespace, kind, target and path glob; every given field must match', () => {
    const run = (exclude: object[]) => evaluate([], [latest], { exclude: exclude as never }).rules;
    expect(run([{ rule: '*', namespace: 'shop' }])).toEqual([]);
    expect(run([{ rule: 'image-*' }])).toEqual([]);
    expect(run([{ kind: 'Deployment', target: 't' }])).toEqual([]);
    expect(run([{ path: '**/*.yaml' }])).toEqual([]);
    expect(run([{ rule: '*', namespace: 'kube-system' }])).toEqual(['image-tag-mutable']);
    expect(run([{ rule: 'image-tag-mutable', kind: 'StatefulSet' }])).toEqual(['image-tag-mutable']);
  });

  it('downgrades findings named by the ignore annotation to notices that say so', () => {
    const annotated = { ...latest, metadata: { name: 'web', namespace: 'shop', annotations: { 'safe-deploy.dev/ignore': 'probes-missing, image-tag-mutable' } } };
    const [finding] = evaluate([], [annotated]).findings;
    expect(finding).toMatchObject({ rule: 'image-tag-mutable', severity: 'notice' });
    expect(finding!.message).toMatch(/downgraded to a notice by the safe-deploy\.dev\/ignore annotation; was error/);
    const other = { ...latest, metadata: { name: 'web', namespace: 'shop', annotations: { 'safe-deploy.dev/ignore': 'host-path' } } };
    expect(evaluate([], [other]).findings[0]!.severity).toBe('error');
  });

  it('fails the verdict on an error that is not overridden, and only then', () => {
    const target = { name: 't', path: 't', renderer: 'plain' as const, status: 'ok' as const, changes: [] };
    const errors = evaluate([], [latest]).findings;
    expect(verdictOf([target], errors)).toBe('fail');
    expect(verdictOf([target], errors.map((f) => ({ ...f, overridden: true })))).toBe('pass');
    expect(verdictOf([target], evaluate([], [latest], { rules: { 'image-tag-mutable': 'warning' } }).findings)).toBe('pass');
    expect(verdictOf([{ ...target, status: 'error' }], [])).toBe('fail');
  });

  it('refuses a config that names an unknown rule', async () => {
    await expect(parseConfig('policies:\n  rules: { probes-mising: off }\n', '.safe-deploy.yml')).rejects.toThrow(
      '.safe-deploy.yml: policies.rules: unknown rule "probes-mising"; see docs/rules.md',
    );
    await expect(parseConfig('policies:\n  rules: { "policy:team-labels": warning }\n', '.safe-deploy.yml')).resolves.toBeTruthy();
  });
});
