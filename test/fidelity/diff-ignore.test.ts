// diff.ignore on a real Helm chart version bump: helm template stamps
// `helm.sh/chart: <name>-<version>` on every object and the chart's
// checksum/config annotation follows the ConfigMap, so a bump changes every
// object. Expectations are what helm renders, written out by hand.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { TestRepo } from '../helpers/git-repo.js';

const chartYaml = (version: string) => `apiVersion: v2\nname: shop\nversion: ${version}\nappVersion: "1.0"\n`;

const labels = `    helm.sh/chart: {{ .Chart.Name }}-{{ .Chart.Version }}
    app.kubernetes.io/name: shop`;

const templates = {
  'chart/templates/configmap.yaml': `apiVersion: v1
kind: ConfigMap
metadata:
  name: shop-config
  labels:
${labels}
data:
  LEVEL: {{ .Values.level | quote }}
`,
  'chart/templates/deployment.yaml': `apiVersion: apps/v1
kind: Deployment
metadata:
  name: shop
  labels:
${labels}
spec:
  replicas: {{ .Values.replicas }}
  selector:
    matchLabels: {app.kubernetes.io/name: shop}
  template:
    metadata:
      labels:
        app.kubernetes.io/name: shop
      annotations:
        checksum/config: {{ include (print $.Template.BasePath "/configmap.yaml") . | sha256sum }}
    spec:
      securityContext: {runAsNonRoot: true}
      containers:
        - name: web
          image: {{ .Values.image }}
          readinessProbe: {httpGet: {path: /ready, port: 8080}}
          resources:
            requests: {cpu: 100m, memory: 64Mi}
            limits: {memory: {{ .Values.memory }}}
`,
  'chart/templates/service.yaml': `apiVersion: v1
kind: Service
metadata:
  name: shop
  labels:
${labels}
spec:
  selector: {app.kubernetes.io/name: shop}
  ports: [{port: 80, targetPort: 8080}]
`,
};

const values = (v: { level?: string; replicas?: number; image?: string; memory?: string } = {}) =>
  `level: ${v.level ?? 'info'}\nreplicas: ${v.replicas ?? 3}\nimage: ${v.image ?? 'registry.example.com/shop:1.0.0'}\nmemory: ${v.memory ?? '128Mi'}\n`;

const config = (ignore: string, extra = '') => `targets:\n  - {name: shop, path: chart, renderer: helm, namespace: shop}\n${extra}diff:\n  ignore:\n${ignore}`;

const chartLabel = `    - fields: ['metadata.labels["helm.sh/chart"]']\n`;

let repo: TestRepo;
beforeEach(() => {
  repo = new TestRepo();
});
afterEach(() => repo.dispose());

interface JsonChange {
  action: string;
  kind: string;
  name: string;
  fields: Array<{ path: string; before: unknown; after: unknown }>;
  impacts: Array<{ type: string }>;
}

async function review(configText: string, head: { version: string; values: Parameters<typeof values>[0] }) {
  const base = repo.commit({ '.safe-deploy.yml': configText, 'chart/Chart.yaml': chartYaml('1.2.0'), 'chart/values.yaml': values(), ...templates });
  const after = repo.commit({ 'chart/Chart.yaml': chartYaml(head.version), 'chart/values.yaml': values(head.values) });
  const json = await cli(['review', '--repo', repo.dir, '--base', base, '--head', after, '--format', 'json']);
  const markdown = await cli(['review', '--repo', repo.dir, '--base', base, '--head', after, '--format', 'markdown']);
  return { json, markdown, parsed: json.stdout ? (JSON.parse(json.stdout) as { targets: Array<{ changes: JsonChange[] }>; findings: Array<{ rule: string; severity: string }>; ignored?: unknown[]; summary: unknown }) : null };
}

describe('diff.ignore on a Helm chart version bump', () => {
  it('hides the chart label everywhere: the Service, changed by nothing else, is not listed; the footer counts what was hidden', async () => {
    const { json, markdown, parsed } = await review(config(chartLabel), { version: '1.3.0', values: { level: 'debug' } });
    expect(json.status, json.stderr).toBe(0);
    const changes = parsed!.targets[0]!.changes;
    expect(changes.map((c) => `${c.action} ${c.kind}/${c.name}`)).toEqual(['update ConfigMap/shop-config', 'update Deployment/shop']);
    expect(changes[0]!.fields.map((f) => f.path)).toEqual(['data.LEVEL']);
    // The checksum follows the ConfigMap (its label included): the pods roll.
    expect(changes[1]!.fields.map((f) => f.path)).toEqual(['spec.template.metadata.annotations["checksum/config"]']);
    expect(changes[1]!.impacts.map((i) => i.type)).toEqual(['rollout']);
    expect(parsed!.summary).toEqual({ created: 0, updated: 2, deleted: 0, replaced: 0 });
    // Three objects carried the label: one field change each; the Service had nothing else.
    expect(parsed!.ignored).toEqual([{ entry: 0, fields: 3, objects: 3, unchanged: 1 }]);
    expect(markdown.stdout).toContain('1 ignore rule (diff.ignore [0]) hid 3 field changes on 3 objects; 1 object had no other change and is not listed.');
    expect(markdown.stdout).not.toContain('helm.sh/chart');
  });

  it('without diff.ignore the same bump lists the label on every object', async () => {
    const base = repo.commit({ '.safe-deploy.yml': 'targets:\n  - {name: shop, path: chart, renderer: helm, namespace: shop}\n', 'chart/Chart.yaml': chartYaml('1.2.0'), 'chart/values.yaml': values(), ...templates });
    const after = repo.commit({ 'chart/Chart.yaml': chartYaml('1.3.0') });
    const out = await cli(['review', '--repo', repo.dir, '--base', base, '--head', after, '--format', 'json']);
    const changes = (JSON.parse(out.stdout) as { targets: Array<{ changes: JsonChange[] }> }).targets[0]!.changes;
    expect(changes.map((c) => `${c.kind}/${c.name}: ${c.fields.map((f) => `${f.path} ${String(f.before)} → ${String(f.after)}`).join('; ')}`).sort()).toEqual([
      'ConfigMap/shop-config: metadata.labels["helm.sh/chart"] shop-1.2.0 → shop-1.3.0',
      // The rendered ConfigMap (its label) is what the checksum sums: it moves too.
      expect.stringMatching(/^Deployment\/shop: metadata\.labels\["helm\.sh\/chart"\] shop-1\.2\.0 → shop-1\.3\.0; spec\.template\.metadata\.annotations\["checksum\/config"\] [0-9a-f]{64} → [0-9a-f]{64}$/),
      'Service/shop: metadata.labels["helm.sh/chart"] shop-1.2.0 → shop-1.3.0',
    ]);
  });

  it('a JSON pointer and a field path with a list-item wildcard hide what they name, and quiet the findings about it', async () => {
    // An autoscaler owns replicas; memory limits are tuned in the cluster. Halving replicas is a replicas-reduced warning, which the entry quiets.
    const ignore = `    - {kind: Deployment, jsonPointers: [/spec/replicas], fields: ['spec.template.spec.containers[*].resources']}\n${chartLabel}`;
    const { json, parsed } = await review(config(ignore), { version: '1.2.0', values: { replicas: 1, memory: '256Mi' } });
    expect(json.status, json.stderr).toBe(0);
    expect(parsed!.targets[0]!.changes).toEqual([]);
    expect(parsed!.findings).toEqual([]);
    expect(parsed!.ignored).toEqual([{ entry: 0, fields: 2, objects: 1, unchanged: 1 }]);
  });

  it('refuses an entry that would hide an error finding, naming the entry, the rule and the object', async () => {
    const ignore = `    - {kind: Deployment, fields: ['spec.template.spec.containers[name=web].image']}\n`;
    const { json } = await review(config(ignore), { version: '1.2.0', values: { image: 'registry.example.com/shop:latest' } });
    expect(json.status).toBe(2);
    expect(json.stdout).toBe('');
    expect(json.stderr).toContain('.safe-deploy.yml: diff.ignore[0] (kind Deployment, spec.template.spec.containers[name=web].image) would hide the error finding image-tag-mutable on Deployment shop/shop in shop.');
  });

  it('counts the configured severity: a warning made an error cannot be hidden either', async () => {
    const ignore = `    - {kind: Deployment, jsonPointers: [/spec/replicas]}\n`;
    const { json } = await review(config(ignore, 'policies:\n  rules: {scaled-to-zero: error}\n'), { version: '1.2.0', values: { replicas: 0 } });
    expect(json.status).toBe(2);
    expect(json.stderr).toContain('diff.ignore[0] (kind Deployment, /spec/replicas) would hide the error finding scaled-to-zero on Deployment shop/shop');
  });

  it('is read from the base revision: an entry the head adds hides nothing', async () => {
    const plain = 'targets:\n  - {name: shop, path: chart, renderer: helm, namespace: shop}\n';
    const base = repo.commit({ '.safe-deploy.yml': plain, 'chart/Chart.yaml': chartYaml('1.2.0'), 'chart/values.yaml': values(), ...templates });
    const head = repo.commit({ '.safe-deploy.yml': config(`    - {fields: ['spec.template.spec.containers[*].image', 'metadata.labels["helm.sh/chart"]']}\n`), 'chart/values.yaml': values({ image: 'registry.example.com/shop:latest' }) });
    const out = await cli(['review', '--repo', repo.dir, '--base', base, '--head', head, '--format', 'json']);
    const parsed = JSON.parse(out.stdout) as { ignored?: unknown; findings: Array<{ rule: string }>; targets: Array<{ changes: JsonChange[] }> };
    expect(out.status).toBe(1);
    expect(parsed.ignored).toBeUndefined();
    expect(parsed.findings.map((f) => f.rule)).toContain('image-tag-mutable');
    expect(parsed.targets[0]!.changes.find((c) => c.kind === 'Deployment')!.fields.map((f) => f.path)).toContain('spec.template.spec.containers[name=web].image');
  });

  it('rejects an entry that names no field, or a field it cannot read, at load', async () => {
    const base = repo.commit({ '.safe-deploy.yml': config(`    - {kind: Deployment}\n    - fields: ['spec..replicas']\n    - jsonPointers: [spec/replicas]\n`), 'chart/Chart.yaml': chartYaml('1.2.0'), 'chart/values.yaml': values(), ...templates });
    const head = repo.commit({ 'chart/values.yaml': values({ replicas: 2 }) });
    const out = await cli(['review', '--repo', repo.dir, '--base', base, '--head', head, '--format', 'json']);
    expect(out.status).toBe(2);
    expect(out.stderr).toContain('diff.ignore.0: needs jsonPointers or fields');
    expect(out.stderr).toContain('diff.ignore.1: cannot read "spec..replicas" at character 5');
    expect(out.stderr).toContain('diff.ignore.2: "spec/replicas" is not a JSON pointer');
  });
});
