// Known secret values go in; no output format may carry any of them out.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { TestRepo, runCli } from '../helpers/git-repo.js';
import { secret } from '../helpers/manifests.js';

const VALUES = ['s3cr3t-base-password', 's3cr3t-head-password', 'unchanged-api-token-42', 'removed-key-value-x', 'added-key-value-y', 'applied-config-token'];
const b64 = (s: string) => Buffer.from(s).toString('base64');
const FORBIDDEN = [...VALUES, ...VALUES.map(b64)];

let repo: TestRepo;

function lastApplied(value: string): string {
  return `  annotations:\n    kubectl.kubernetes.io/last-applied-configuration: '{"data":{"token":"${value}"}}'\n`;
}

describe('secret values', () => {
  afterEach(() => repo.dispose());

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

  it('never appear in the error of a Secret file that fails to parse', async () => {
    repo = new TestRepo();
    const base = repo.commit({ 'deploy/app/secret.yaml': secret('db', { password: 'x' }) });
    const head = repo.commit({ 'deploy/app/secret.yaml': `apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  password: "${VALUES[0]}\n  other: [${VALUES[1]}\n` });
    for (const format of ['markdown', 'json']) {
      const out = await cli(['review', '--repo', repo.dir, '--base', base, '--head', head, '--format', format]);
      expect(out.status).toBe(1);
      expect(out.stdout).toMatch(/deploy\/app\/secret\.yaml:\d+: invalid YAML/);
      for (const value of FORBIDDEN) expect(out.stdout + out.stderr).not.toContain(value);
    }
  });
});

/** Secret values that renderers echo in their errors; each must be gone while the error still says what is wrong. */
const LEAKS = {
  literal: 'Leak-Literal-Value-9876',
  env: 'Leak-Env-Value-5150',
  schema: 'Leak-Schema-Pass-5432',
  schemaNumber: '86420013579',
  failed: 'Base-Known-Secret-7777',
  scalar: 'Leak-Scalar-Value-1111',
  data: 'Leak-Data-Value-2222',
};
const LEAKED = Object.values(LEAKS).flatMap((v) => [v, b64(v)]);

describe('secret values in render errors and odd shapes', () => {
  let outputs: Record<'markdown' | 'json', { status: number | null; stdout: string; stderr: string }>;
  let targets: Record<string, { status: string; error?: string; changes: Array<{ diff: string; fields: unknown[] }> }>;

  beforeAll(async () => {
    repo = new TestRepo();
    const chart = (name: string) => ({ [`${name}/Chart.yaml`]: `apiVersion: v2\nname: ${name}\nversion: 1.0.0\n` });
    const dbSecret = 'apiVersion: v1\nkind: Secret\nmetadata: {name: db}\nstringData:\n  password: {{ .Values.password | quote }}\n';
    const base = repo.commit({
      'gen/kustomization.yaml': 'secretGenerator:\n  - name: db\n    literals: ["DB_PASSWORD=first-value"]\n',
      'env/kustomization.yaml': 'secretGenerator:\n  - name: db\n    envs: [db.env]\n',
      'env/db.env': 'DB_PASSWORD=first-value\n',
      ...chart('schema'),
      'schema/values.schema.json': '{"type": "object", "properties": {"password": {"type": "string", "pattern": "^[a-z]+$"}, "pin": {"type": "integer", "maximum": 9999}}}\n',
      'schema/values.yaml': 'password: abc\npin: 1234\n',
      'schema/templates/secret.yaml': dbSecret,
      ...chart('failing'),
      'failing/values.yaml': `password: ${LEAKS.failed}\n`,
      'failing/templates/secret.yaml': dbSecret,
      'plain/secret.yaml': secret('scalar', { password: 'first-value' }),
      'plain/data.yaml': 'apiVersion: v1\nkind: Secret\nmetadata: {name: data}\ndata:\n  key: Zmlyc3Q=\n',
    });
    repo.commit({
      // A literal written with ":" instead of "=": kustomize quotes the whole literal in its error.
      'gen/kustomization.yaml': `secretGenerator:\n  - name: db\n    literals: ["DB_PASSWORD:${LEAKS.literal}"]\n`,
      'schema/values.yaml': `password: "${LEAKS.schema}"\npin: ${LEAKS.schemaNumber}\n`,
      // The template now rejects the password it used to render into the Secret, and says which.
      'failing/templates/check.yaml': '{{ fail (printf "password %s is no longer accepted" .Values.password) }}\n',
      'plain/secret.yaml': `apiVersion: v1\nkind: Secret\nmetadata: {name: scalar}\nstringData: "password=${LEAKS.scalar}"\n`,
      'plain/data.yaml': `apiVersion: v1\nkind: Secret\nmetadata: {name: data}\ndata: [${b64(LEAKS.data)}]\n`,
    });
    // An env file that is not UTF-8: kustomize would echo the line with the value.
    writeFileSync(join(repo.dir, 'env/db.env'), Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`DB_PASSWORD=${LEAKS.env}\n`)]));
    repo.git('commit', '-q', '-am', 'env file');
    const head = repo.git('rev-parse', 'HEAD');
    const run = (format: string) => cli(['review', '--repo', repo.dir, '--base', base, '--head', head, '--format', format]);
    outputs = { markdown: await run('markdown'), json: await run('json') };
    targets = Object.fromEntries(JSON.parse(outputs.json.stdout).targets.map((t: { name: string }) => [t.name, t]));
  });
  afterAll(() => repo.dispose());

  it('appear nowhere in the Markdown, the JSON or stderr, neither as written nor in base64', () => {
    for (const out of Object.values(outputs)) {
      expect(out.status).toBe(1);
      for (const value of LEAKED) expect(out.stdout + out.stderr).not.toContain(value);
    }
  });

  it('a mistyped secretGenerator literal: the error still names the target and the mistake', () => {
    expect(targets.gen!.error).toMatch(/^kustomize build gen failed: .*'gen'.*invalid literal source \*\*\*, expected key=value$/);
  });

  it('a secretGenerator env file that is not UTF-8 is refused before kustomize can echo it', () => {
    expect(targets.env!.error).toBe('env/db.env: file is not valid UTF-8');
  });

  it('a Helm schema error keeps the path and the constraint, never the rejected value', () => {
    expect(targets.schema!.error).toMatch(/^helm template schema failed: Error: values don't meet the specifications of the schema\(s\) in the following chart\(s\): · schema: · /);
    expect(targets.schema!.error).toContain("- at '/password': does not match pattern '^[a-z]+$'");
    expect(targets.schema!.error).toContain("- at '/pin': maximum: want 9,999");
  });

  it('a value the base rendered into a Secret is scrubbed from the head\'s render error', () => {
    expect(targets.failing!.error).toMatch(/^helm template failing failed: .*password \*\*\* is no longer accepted/);
    expect(outputs.markdown.stdout).toContain('password &#42;&#42;&#42; is no longer accepted');
  });

  it('stringData and data that are not maps are hidden whole, still marked as changed', () => {
    const diffs = targets.plain!.changes.map((c) => c.diff).join('\n');
    expect(diffs).toContain('+stringData: "*** (changed)"');
    expect(diffs).toContain('+data: "*** (changed)"');
    expect(targets.plain!.changes.flatMap((c) => c.fields)).toContainEqual({ path: 'stringData', before: '***', after: '*** (changed)' });
  });
});
