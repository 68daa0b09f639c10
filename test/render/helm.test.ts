import { afterEach, describe, expect, it } from 'vitest';
import { renderHelm } from '../../src/render/helm.js';
import { releaseNameFor } from '../../src/core/target.js';
import { renderKustomize } from '../../src/render/kustomize.js';
import { DEFAULT_LIMITS } from '../../src/render/sandbox.js';
import { Snapshot } from '../../src/repo/snapshot.js';
import { cli } from '../helpers/cli.js';
import { TestRepo } from '../helpers/git-repo.js';

let repo: TestRepo;
let snapshot: Snapshot | undefined;
afterEach(async () => {
  await snapshot?.dispose();
  snapshot = undefined;
  repo.dispose();
});

const chart = {
  'charts/web/Chart.yaml': `apiVersion: v2
name: web
version: 1.0.0
dependencies:
  - name: cache
    version: 0.1.0
    repository: https://charts.example.com
`,
  'charts/web/values.yaml': 'replicas: 2\nimage: {repository: registry.example.com/web, tag: "1.0.0"}\nlogLevel: info\n',
  'charts/web/templates/deployment.yaml': `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}-web
  labels: {app: web}
spec:
  replicas: {{ .Values.replicas }}
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: web
          image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
          env: [{name: LOG_LEVEL, value: {{ .Values.logLevel | quote }}}]
`,
  'charts/web/templates/tests/test-connection.yaml': `apiVersion: v1
kind: Pod
metadata:
  name: {{ .Release.Name }}-test
  annotations: {"helm.sh/hook": test}
spec: {containers: [{name: t, image: busybox}]}
`,
  'charts/web/charts/cache/Chart.yaml': 'apiVersion: v2\nname: cache\nversion: 0.1.0\n',
  'charts/web/charts/cache/templates/service.yaml': 'apiVersion: v1\nkind: Service\nmetadata:\n  name: {{ .Release.Name }}-cache\nspec: {ports: [{port: 6379}]}\n',
  'envs/prod-values.yaml': 'replicas: 5\n',
};

describe('helm renderer', () => {
  it('renders with value files in order, inline values, parameters and the release namespace; skips test hooks', async () => {
    repo = new TestRepo();
    const sha = repo.commit({ ...chart, 'envs/override.yaml': 'replicas: 7\nlogLevel: warn\n' });
    snapshot = await Snapshot.open(repo.dir, sha);
    const objects = await renderHelm(
      snapshot,
      {
        name: 'web-prod',
        path: 'charts/web',
        renderer: 'helm',
        namespace: 'prod',
        kubernetesVersion: '1.31',
        helm: {
          valueFiles: ['../../envs/prod-values.yaml', '../../envs/override.yaml'],
          values: 'logLevel: debug\n',
          parameters: [{ name: 'image.tag', value: '2.0.0' }],
        },
      },
      DEFAULT_LIMITS,
    );
    expect(objects.map((o) => `${o.kind} ${o.namespace}/${o.name} @ ${o.source?.file}`)).toEqual([
      'Service prod/web-prod-cache @ charts/web/charts/cache/templates/service.yaml',
      'Deployment prod/web-prod-web @ charts/web/templates/deployment.yaml',
    ]);
    const spec = JSON.stringify(objects[1]!.object);
    expect(spec).toContain('"replicas":7');
    expect(spec).toContain('registry.example.com/web:2.0.0');
    expect(spec).toContain('"value":"debug"');
  });

  it('refuses a dependency that is not vendored, naming it, and value files outside the repository', async () => {
    repo = new TestRepo();
    const files: Record<string, string | null> = { ...chart, 'charts/web/charts/cache/Chart.yaml': null, 'charts/web/charts/cache/templates/service.yaml': null };
    snapshot = await Snapshot.open(repo.dir, repo.commit(files));
    await expect(renderHelm(snapshot, { name: 'w', path: 'charts/web', renderer: 'helm', namespace: 'd' }, DEFAULT_LIMITS)).rejects.toThrow(
      'charts/web/Chart.yaml: dependency "cache" (from https://charts.example.com) is not vendored in charts/web/charts/',
    );
    const vendored = await Snapshot.open(repo.dir, repo.commit(chart));
    try {
      await expect(
        renderHelm(vendored, { name: 'w', path: 'charts/web', renderer: 'helm', namespace: 'd', helm: { valueFiles: ['../../../../etc/passwd'] } }, DEFAULT_LIMITS),
      ).rejects.toThrow('value file "../../../../etc/passwd" points outside the repository; refused');
    } finally {
      await vendored.dispose();
    }
  });

  it('refuses a chart whose files link outside the repository', async () => {
    repo = new TestRepo();
    repo.symlink('charts/web/files/host', '/etc/hostname');
    snapshot = await Snapshot.open(repo.dir, repo.commit(chart));
    await expect(renderHelm(snapshot, { name: 'w', path: 'charts/web', renderer: 'helm', namespace: 'd' }, DEFAULT_LIMITS)).rejects.toThrow(
      'charts/web/files/host: symlink points to /etc/hostname, outside the repository; refused',
    );
  });

  it('makes a valid release name', async () => {
    expect(releaseNameFor({ name: 'apps/My_Service', path: 'x', renderer: 'helm', namespace: 'd' })).toBe('my-service');
    expect(releaseNameFor({ name: 'x', path: 'x', renderer: 'helm', namespace: 'd', helm: { releaseName: 'shop' } })).toBe('shop');
  });

  it('stops a template that would produce unbounded output', async () => {
    repo = new TestRepo();
    snapshot = await Snapshot.open(
      repo.dir,
      repo.commit({
        'big/Chart.yaml': 'apiVersion: v2\nname: big\nversion: 1.0.0\n',
        'big/templates/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: big}\ndata:\n{{- range $i := until 30000 }}\n  k{{ $i }}: "{{ repeat 100 "x" }}"\n{{- end }}\n',
      }),
    );
    await expect(renderHelm(snapshot, { name: 'big', path: 'big', renderer: 'helm', namespace: 'd' }, { timeoutMs: 60_000, maxOutputBytes: 2 ** 20, maxMemoryBytes: 2 ** 30 })).rejects.toThrow(
      /helm template big output is over the 1.0 MB limit; stopped/,
    );
  });
});

describe('kustomize source positions', () => {
  it('gives each object the file and line that defines it', async () => {
    repo = new TestRepo();
    const sha = repo.commit({
      'app/base/kustomization.yaml': 'resources: [all.yaml]\n',
      'app/base/all.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: one\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: two\n',
      'app/prod/kustomization.yaml': 'namePrefix: p-\nresources: [../base, svc.yaml]\nconfigMapGenerator: [{name: gen, literals: [a=b]}]\n',
      'app/prod/svc.yaml': 'apiVersion: v1\nkind: Service\nmetadata:\n  name: svc\n',
    });
    snapshot = await Snapshot.open(repo.dir, sha);
    const objects = await renderKustomize(snapshot, { name: 'prod', path: 'app/prod', renderer: 'kustomize', namespace: 'shop' }, DEFAULT_LIMITS);
    const where = Object.fromEntries(objects.map((o) => [o.name, `${o.source?.file}:${o.source?.line ?? '-'}`]));
    expect(where).toEqual({
      'p-one': 'app/base/all.yaml:1',
      'p-two': 'app/base/all.yaml:6',
      'p-svc': 'app/prod/svc.yaml:1',
      [objects.find((o) => o.name.startsWith('p-gen-'))!.name]: 'app/prod/kustomization.yaml:-',
    });
    expect(objects.every((o) => o.namespace === 'shop')).toBe(true);
    expect(JSON.stringify(objects.map((o) => o.object))).not.toContain('config.kubernetes.io/origin');
  });
});

describe('helm targets in a review', () => {
  it('reviews a chart when its values change and names the helm version', async () => {
    repo = new TestRepo();
    const base = repo.commit(chart);
    const head = repo.commit({ 'charts/web/values.yaml': 'replicas: 3\nimage: {repository: registry.example.com/web, tag: "1.1.0"}\nlogLevel: info\n' });
    const result = await cli(['review', '--repo', repo.dir, '--base', base, '--head', head, '--format', 'json']);
    const json = JSON.parse(result.stdout);
    expect(json.targets.map((t: { name: string; renderer: string }) => `${t.name}:${t.renderer}`)).toEqual(['charts/web:helm']);
    expect(json.targets[0].changes.map((c: { action: string; name: string }) => `${c.action} ${c.name}`)).toEqual(['update web-web']);
    const md = (await cli(['review', '--repo', repo.dir, '--base', base, '--head', head])).stdout;
    expect(md).toMatch(/helm v\d+\.\d+\.\d+/);
  });
});
