// Schema validation as the API server does it (kubectl apply validates fields
// strictly since Kubernetes 1.25). Every expected message is written by hand,
// in the words the API server uses: `unknown field "…"` of strict field
// validation, `Required value` / `Unsupported value` of field.ErrorList, the
// JSON decoder's `cannot unmarshal` for built-in kinds, and the OpenAPI
// validator's `… in body should match '…'` for custom resources.
import { afterEach, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { TestRepo } from '../helpers/git-repo.js';
import { reviewJson } from '../helpers/gitops.js';

let repo: TestRepo;
afterEach(() => repo?.dispose());

interface ReviewJson {
  verdict: string;
  findings: Array<{ rule: string; severity: string; kind?: string; name?: string; message: string; file?: string; line?: number; introduced: boolean }>;
  targets: Array<{ name: string; notes?: string[] }>;
}

/** A Deployment; `container` is the body of its one container after `- `. */
const deployment = (name: string, container = 'name: app\n          image: registry.example.com/app:1.0.0', replicas = '2') => `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      containers:
        - ${container}
`;

const crd = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: backups.example.com}
spec:
  group: example.com
  scope: Namespaced
  names: {kind: Backup, plural: backups, singular: backup, listKind: BackupList}
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              required: [schedule, target]
              properties:
                schedule: {type: string, pattern: '^[0-9*/ ,-]+$'}
                retention: {type: string, enum: [Daily, Weekly]}
                keep: {type: integer, minimum: 1}
                target: {type: string}
                port: {x-kubernetes-int-or-string: true}
                extra: {type: object, x-kubernetes-preserve-unknown-fields: true}
`;

const backup = (name: string, spec: string) => `apiVersion: example.com/v1
kind: Backup
metadata: {name: ${name}}
spec: ${spec}
`;

const schemaFindings = (json: ReviewJson) =>
  json.findings.filter((f) => f.rule === 'schema-invalid').map((f) => `${f.severity} ${f.introduced ? 'introduced' : 'inherited'} ${f.file}:${f.line} ${f.kind}/${f.name}: ${f.message}`);

async function review(base: Record<string, string>, head: Record<string, string | null>): Promise<ReviewJson> {
  repo = new TestRepo();
  const from = repo.commit(base);
  const to = repo.commit(head);
  return reviewJson<ReviewJson>(repo, from, to);
}

/** The config of a target `apps` on a given Kubernetes version. */
const targetOn = (version: string) => `targets:\n  - {name: apps, path: apps, kubernetesVersion: "${version}"}\n`;

describe('schema validation of built-in kinds (Kubernetes 1.33 schema)', () => {
  it('a typo in a container field is the unknown field kubectl reports, with the declared field it is closest to, file and line', async () => {
    const json = await review(
      { 'apps/web.yaml': deployment('web') },
      { 'apps/web.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: b}\n---\n${deployment('web', 'name: app\n          image: registry.example.com/app:1.0.0\n          imagePullPolicyy: Always')}` },
    );
    expect(schemaFindings(json)).toEqual([
      'error introduced apps/web.yaml:6 Deployment/web: unknown field "spec.template.spec.containers[0].imagePullPolicyy"; did you mean "imagePullPolicy"?',
    ]);
    expect(json.verdict).toBe('fail');
  });

  it('a string where an int32 is declared cannot be decoded', async () => {
    const json = await review({ 'apps/web.yaml': deployment('web') }, { 'apps/web.yaml': deployment('web', undefined, 'two') });
    expect(schemaFindings(json)).toEqual(['error introduced apps/web.yaml:1 Deployment/web: spec.replicas: cannot unmarshal string into an int32 field']);
  });

  it('a container without a name misses a required value; an imagePullPolicy outside the enum is unsupported', async () => {
    const json = await review(
      { '.safe-deploy.yml': targetOn('1.33'), 'apps/web.yaml': deployment('web') },
      { 'apps/web.yaml': deployment('web', 'image: registry.example.com/app:1.0.0\n          imagePullPolicy: Sometimes') },
    );
    expect(schemaFindings(json)).toEqual([
      'error introduced apps/web.yaml:1 Deployment/web: spec.template.spec.containers[0].name: Required value',
      'error introduced apps/web.yaml:1 Deployment/web: spec.template.spec.containers[0].imagePullPolicy: Unsupported value: "Sometimes": supported values: "Always", "IfNotPresent", "Never"',
    ]);
  });

  it('on Kubernetes 1.36 a field the 1.33 schema does not know may be new: a warning; a typo of a known field stays an error', async () => {
    const json = await review(
      { '.safe-deploy.yml': targetOn('1.36'), 'apps/web.yaml': deployment('web') },
      { 'apps/web.yaml': deployment('web', 'name: app\n          image: registry.example.com/app:1.0.0\n          restartPolicyRules: []\n          imagePullPolicyy: Always') },
    );
    expect(schemaFindings(json)).toEqual([
      'error introduced apps/web.yaml:1 Deployment/web: unknown field "spec.template.spec.containers[0].imagePullPolicyy"; did you mean "imagePullPolicy"?',
      'warning introduced apps/web.yaml:1 Deployment/web: unknown field "spec.template.spec.containers[0].restartPolicyRules" (not in the Kubernetes 1.33 schema; 1.36 may know it — check it against the 1.36 API)',
    ]);
  });

  it('an object that was already invalid at base keeps an inherited finding when the change touches it', async () => {
    const invalid = (image: string) => deployment('web', `name: app\n          image: ${image}\n          imagePullPolicyy: Always`);
    const json = await review({ 'apps/web.yaml': invalid('registry.example.com/app:1.0.0') }, { 'apps/web.yaml': invalid('registry.example.com/app:1.1.0') });
    expect(schemaFindings(json)).toEqual([
      'error inherited apps/web.yaml:1 Deployment/web: unknown field "spec.template.spec.containers[0].imagePullPolicyy"; did you mean "imagePullPolicy"?',
    ]);
    expect(json.verdict).not.toBe('fail');
  });

  it("a Secret's wrongly typed data is reported without its value", async () => {
    repo = new TestRepo();
    const from = repo.commit({ 'apps/config.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: b}\n' });
    const to = repo.commit({ 'apps/secret.yaml': 'apiVersion: v1\nkind: Secret\nmetadata: {name: token}\ndata: {token: 987654321, key: "not base64 918273"}\n' });
    const json = await reviewJson<ReviewJson>(repo, from, to);
    expect(schemaFindings(json)).toEqual([
      'error introduced apps/secret.yaml:1 Secret/token: data.token: cannot unmarshal number into a string field',
      'error introduced apps/secret.yaml:1 Secret/token: data.key: illegal base64 data',
    ]);
    const comment = await cli(['review', '--repo', repo.dir, '--base', from, '--head', to, '--format', 'markdown']);
    for (const output of [JSON.stringify(json), comment.stdout]) {
      expect(output).not.toContain('987654321');
      expect(output).not.toContain('918273');
    }
  });
});

describe('schema validation of custom resources against the CRDs of the review', () => {
  it("a CR that breaks its CRD's schema (pattern, enum, required, an unknown field), with the CRD in another target's render", async () => {
    const json = await review(
      { 'apps/web.yaml': deployment('web'), 'crds/keep.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: keep}\n' },
      {
        'crds/backup.yaml': crd,
        'apps/backup.yaml': backup('nightly', '{schedule: "every night", retention: Monthly, keep: 0, port: 1.5, retentionn: 3, extra: {any: thing}}'),
      },
    );
    expect(schemaFindings(json)).toEqual([
      'error introduced apps/backup.yaml:1 Backup/nightly: unknown field "spec.retentionn"; did you mean "retention"?',
      'error introduced apps/backup.yaml:1 Backup/nightly: spec.target: Required value',
      `error introduced apps/backup.yaml:1 Backup/nightly: spec.schedule: Invalid value: "every night": spec.schedule in body should match '^[0-9*/ ,-]+$'`,
      'error introduced apps/backup.yaml:1 Backup/nightly: spec.retention: Unsupported value: "Monthly": supported values: "Daily", "Weekly"',
      'error introduced apps/backup.yaml:1 Backup/nightly: spec.keep: Invalid value: 0: spec.keep in body should be greater than or equal to 1',
      'error introduced apps/backup.yaml:1 Backup/nightly: spec.port: Invalid value: "number": spec.port in body must be of type integer or string: "number"',
    ]);
  });

  it("a CR that breaks its CRD's CEL rules (x-kubernetes-validations); transition rules need the live object and are left out", async () => {
    const scaler = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: scalers.example.com}
spec:
  group: example.com
  scope: Namespaced
  names: {kind: Scaler, plural: scalers}
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              x-kubernetes-validations:
                - {rule: "self.minReplicas <= self.maxReplicas", message: minReplicas must not exceed maxReplicas}
                - {rule: "self.maxReplicas <= 100", fieldPath: .maxReplicas}
                - {rule: "self.minReplicas == oldSelf.minReplicas", message: minReplicas is immutable}
              properties:
                minReplicas: {type: integer}
                maxReplicas: {type: integer}
                targets:
                  type: array
                  items:
                    type: object
                    x-kubernetes-validations: [{rule: "self.name.startsWith('t-')", message: target names start with t-}]
                    properties: {name: {type: string}}
`;
    const cr = (min: number, max: number) => `apiVersion: example.com/v1\nkind: Scaler\nmetadata: {name: web}\nspec: {minReplicas: ${min}, maxReplicas: ${max}, targets: [{name: t-a}, {name: b}]}\n`;
    const json = await review({ 'apps/crd.yaml': scaler, 'apps/scaler.yaml': cr(1, 2) }, { 'apps/scaler.yaml': cr(500, 200) });
    expect(schemaFindings(json)).toEqual([
      'error introduced apps/scaler.yaml:1 Scaler/web: spec: Invalid value: "object": minReplicas must not exceed maxReplicas',
      'error introduced apps/scaler.yaml:1 Scaler/web: spec.maxReplicas: Invalid value: "object": failed rule: self.maxReplicas <= 100',
      'error inherited apps/scaler.yaml:1 Scaler/web: spec.targets[1]: Invalid value: "object": target names start with t-',
    ]);
  });

  it('a valid Deployment and a valid CR have no finding', async () => {
    const json = await review(
      { 'apps/web.yaml': deployment('web') },
      {
        'apps/web.yaml': deployment('web', 'name: app\n          image: registry.example.com/app:1.1.0\n          ports: [{containerPort: 8080, name: http}]\n          resources: {limits: {cpu: 1, memory: 128Mi}, requests: {cpu: 0.5}}'),
        'apps/crd.yaml': crd,
        'apps/backup.yaml': backup('nightly', '{schedule: "0 1 * * *", target: s3, port: http, keep: 7, extra: {free: [form]}}'),
      },
    );
    expect(schemaFindings(json)).toEqual([]);
    expect(json.targets.flatMap((t) => t.notes ?? []).filter((n) => n.startsWith('Not validated'))).toEqual([]);
  });

  it('custom resources whose CRD is in no render, and kinds the built-in schema lacks, are not validated, said once per kind', async () => {
    const monitor = (name: string) => `apiVersion: monitoring.coreos.com/v1\nkind: ServiceMonitor\nmetadata: {name: ${name}}\nspec: {endpointz: []}\n`;
    const json = await review(
      { 'apps/web.yaml': deployment('web'), 'more/web.yaml': deployment('other') },
      {
        'apps/monitors.yaml': `${monitor('a')}---\n${monitor('b')}`,
        'more/monitor.yaml': monitor('c'),
        // Kinds of a built-in group the 1.33 schema lacks, one of them a name the package has a module of.
        'more/odd.yaml': 'apiVersion: apps/v1\nkind: DeploymentSpec\nmetadata: {name: a}\n---\napiVersion: apps/v1\nkind: index\nmetadata: {name: b}\n',
      },
    );
    expect(schemaFindings(json)).toEqual([]);
    const notes = json.targets.map((t) => [t.name, (t.notes ?? []).filter((n) => n.startsWith('Not validated'))]);
    expect(notes).toEqual([
      ['apps', ['Not validated: monitoring.coreos.com/v1 ServiceMonitor (its CustomResourceDefinition is in no render of this review)']],
      ['more', ['Not validated: apps/v1 DeploymentSpec (not in the Kubernetes 1.33 schema)', 'Not validated: apps/v1 index (not in the Kubernetes 1.33 schema)']],
    ]);
  });
});
