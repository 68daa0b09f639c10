// Known secret values go in; no output format may carry any of them out.
import { afterEach, describe, expect, it } from 'vitest';
import { TestRepo, runCli } from '../helpers/git-repo.js';
import { secret } from '../helpers/manifests.js';

const VALUES = ['s3cr3t-base-password', 's3cr3t-head-password', 'unchanged-api-token-42', 'removed-key-value-x', 'added-key-value-y', 'applied-config-token'];
const b64 = (s: string) => Buffer.from(s).toString('base64');
const FORBIDDEN = [...VALUES, ...VALUES.map(b64)];

let repo: TestRepo;
afterEach(() => repo.dispose());

function lastApplied(value: string): string {
  return `  annotations:\n    kubectl.kubernetes.io/last-applied-configuration: '{"data":{"token":"${value}"}}'\n`;
}

describe('secret values', () => {
  it('never appear in the Markdown, the JSON or stderr, while changes stay visible', () => {
    repo = new TestRepo();
    const base = repo.commit({
      'deploy/app/secret.yaml': secret('db', { password: VALUES[0]!, token: VALUES[2]!, old: VALUES[3]! }, 'shop'),
      'deploy/app/encoded.yaml': `apiVersion: v1\nkind: Secret\nmetadata:\n  name: encoded\n  namespace: shop\n${lastApplied('x')}data:\n  key: ${b64(VALUES[0]!)}\n`,
      'deploy/app/deleted.yaml': secret('gone', { value: VALUES[3]! }, 'shop'),
    });
    const head = repo.commit({
      'deploy/app/secret.yaml': secret('db', { password: VALUES[1]!, token: VALUES[2]!, added: VALUES[4]! }, 'shop'),
      'deploy/app/encoded.yaml': `apiVersion: v1\nkind: Secret\nmetadata:\n  name: encoded\n  namespace: shop\n${lastApplied(VALUES[5]!)}data:\n  key: ${b64(VALUES[1]!)}\n`,
      'deploy/app/deleted.yaml': null,
      'deploy/app/new.yaml': secret('new', { value: VALUES[4]! }, 'shop'),
      'deploy/app/configmap.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n  namespace: shop\n${lastApplied(VALUES[5]!)}data:\n  visible: plain-config-value\n`,
    });
    const outputs = (['markdown', 'json'] as const).map((format) => runCli(['review', '--repo', repo.dir, '--base', base, '--head', head, '--format', format]));
    for (const out of outputs) {
      expect(out.status).toBe(0);
      for (const value of FORBIDDEN) {
        expect(out.stdout).not.toContain(value);
        expect(out.stderr).not.toContain(value);
      }
    }
    const [markdown, json] = outputs.map((o) => o.stdout);
    expect(markdown).toContain('+  password: "*** (changed)"');
    expect(markdown).toContain('-  old: "***"');
    expect(markdown).toContain('+  added: "***"');
    expect(markdown).toContain('plain-config-value');
    const review = JSON.parse(json!);
    const fields = review.targets[0].changes.flatMap((c: { fields: unknown[] }) => c.fields);
    expect(fields).toContainEqual({ path: 'stringData.password', before: '***', after: '*** (changed)' });
    expect(fields).toContainEqual({ path: 'data.key', before: '***', after: '*** (changed)' });
    expect(fields).toContainEqual({ path: 'metadata.annotations["kubectl.kubernetes.io/last-applied-configuration"]', before: '***', after: '*** (changed)' });
  });

  it('never appear in the error of a Secret file that fails to parse', () => {
    repo = new TestRepo();
    const base = repo.commit({ 'deploy/app/secret.yaml': secret('db', { password: 'x' }) });
    const head = repo.commit({ 'deploy/app/secret.yaml': `apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  password: "${VALUES[0]}\n  other: [${VALUES[1]}\n` });
    for (const format of ['markdown', 'json']) {
      const out = runCli(['review', '--repo', repo.dir, '--base', base, '--head', head, '--format', format]);
      expect(out.status).toBe(1);
      expect(out.stdout).toMatch(/deploy\/app\/secret\.yaml:\d+: invalid YAML/);
      for (const value of FORBIDDEN) expect(out.stdout + out.stderr).not.toContain(value);
    }
  });
});
