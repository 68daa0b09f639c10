// Flux as kustomize-controller and helm-controller behave. Each case is a small
// repository; the expected objects are written by hand: what `kubectl kustomize` /
// `helm template` output for the kustomization Flux writes (fluxcd/pkg kustomize
// generator) plus Flux's documented post-build (substitution, commonMetadata).
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { Snapshot } from '../../src/repo/snapshot.js';
import { discoverNotRendered, discoverTargets } from '../../src/targets/discover.js';
import { gitRepository as fluxSource } from '../helpers/gitops.js';
import { cli } from '../helpers/cli.js';
import { TestRepo } from '../helpers/git-repo.js';

let repo: TestRepo;
let snapshot: Snapshot | undefined;
afterEach(async () => {
  await snapshot?.dispose();
  snapshot = undefined;
  repo.dispose();
});

interface Field {
  path: string;
  before?: unknown;
  after?: unknown;
}
interface Change {
  action: string;
  kind: string;
  namespace: string | null;
  name: string;
  fields: Field[];
  diff: string;
  prune?: false;
}
interface TargetJson {
  name: string;
  status: string;
  error?: string;
  declaredBy?: { kind: string; file: string };
  changes: Change[];
}
interface ReviewJson {
  verdict: string;
  targets: TargetJson[];
  findings: Array<{ rule: string; severity: string; target: string; message: string }>;
}

async function review(base: string, head: string): Promise<{ json: ReviewJson; stdout: string }> {
  const result = await cli(['review', '--repo', repo.dir, '--base', base, '--head', head, '--format', 'json']);
  expect(result.stderr).toBe('');
  return { json: JSON.parse(result.stdout) as ReviewJson, stdout: result.stdout };
}

const declaredIn = (json: ReviewJson, file: string) => json.targets.find((t) => t.declaredBy?.file === file);
const changed = (target: TargetJson | undefined) => target?.changes.map((c) => `${c.action} ${c.kind} ${c.namespace}/${c.name}`);
/** The object a `create` change shows in full, read back from its diff. */
function created(target: TargetJson | undefined, id: string): unknown {
  const change = target?.changes.find((c) => `${c.kind} ${c.namespace}/${c.name}` === id);
  expect(change?.action, id).toBe('create');
  return parse(change!.diff.split('\n').filter((l) => l.startsWith('+') && !l.startsWith('+++')).map((l) => l.slice(1)).join('\n'));
}

/** The +/- lines of a unified diff, without its headers. */
const diffLines = (diff: string) => diff.split('\n').filter((l) => /^[-+](?![-+]{2} )/.test(l));

const kustomization = (name: string, spec: string, namespace = 'flux-system') => `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: ${name}
  namespace: ${namespace}
spec:
  interval: 10m
  prune: true
  sourceRef:
    kind: GitRepository
    name: flux-system
${spec}`;

const gitRepository = fluxSource();

const web = (image = 'registry.example.com/web:1.0.0') => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: written-in-manifest
spec:
  replicas: 1
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: ${image}
`;

describe('Flux Kustomizations of two clusters', () => {
  const layout = {
    'clusters/production/flux-system/gotk-sync.yaml': gitRepository,
    'clusters/production/apps.yaml': kustomization(
      'apps',
      `  path: ./apps/base
  targetNamespace: prod
  patches:
    - target: {kind: Deployment, name: web}
      patch: |
        - op: replace
          path: /spec/replicas
          value: 3
`,
    ),
    'clusters/staging/apps.yaml': kustomization('apps', '  path: ./apps/base\n  targetNamespace: staging\n'),
    'apps/base/kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: base-ns\nresources: [deploy.yaml]\n',
    'apps/base/deploy.yaml': web(),
  };

  it('reviews both same-named Kustomizations, each with its own targetNamespace (overriding the namespace written in the manifest) and patches', async () => {
    repo = new TestRepo();
    const base = repo.commit(layout);
    const head = repo.commit({ 'apps/base/deploy.yaml': web('registry.example.com/web:1.1.0') });
    const { json } = await review(base, head);
    const production = declaredIn(json, 'clusters/production/apps.yaml');
    const staging = declaredIn(json, 'clusters/staging/apps.yaml');
    expect(json.targets).toHaveLength(2);
    expect(production!.name).not.toBe(staging!.name);
    expect(changed(production)).toEqual(['update Deployment prod/web']);
    expect(changed(staging)).toEqual(['update Deployment staging/web']);
    const image = { path: 'spec.template.spec.containers[name=web].image', before: 'registry.example.com/web:1.0.0', after: 'registry.example.com/web:1.1.0' };
    expect(production!.changes[0]!.fields).toEqual([image]);
    expect(staging!.changes[0]!.fields).toEqual([image]);
  });

  it('predicts each cluster\'s objects in full when the Kustomizations are added', async () => {
    repo = new TestRepo();
    const { 'clusters/production/apps.yaml': production, 'clusters/staging/apps.yaml': staging, ...rest } = layout;
    const base = repo.commit(rest);
    const head = repo.commit({ 'clusters/production/apps.yaml': production, 'clusters/staging/apps.yaml': staging });
    const { json } = await review(base, head);
    // kubectl kustomize of apps/base with `namespace: <targetNamespace>` (and production's patch) in place of base-ns.
    const expected = (namespace: string, replicas: number) => ({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace },
      spec: {
        replicas,
        selector: { matchLabels: { app: 'web' } },
        template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ image: 'registry.example.com/web:1.0.0', name: 'web' }] } },
      },
    });
    expect(created(declaredIn(json, 'clusters/production/apps.yaml'), 'Deployment prod/web')).toEqual(expected('prod', 3));
    expect(created(declaredIn(json, 'clusters/staging/apps.yaml'), 'Deployment staging/web')).toEqual(expected('staging', 1));
  });

  it('reviews a change of a Kustomization\'s spec.patches alone, with the exact predicted diff', async () => {
    repo = new TestRepo();
    const base = repo.commit(layout);
    const head = repo.commit({ 'clusters/production/apps.yaml': layout['clusters/production/apps.yaml'].replace('value: 3', 'value: 5') });
    const { json } = await review(base, head);
    const production = declaredIn(json, 'clusters/production/apps.yaml');
    expect(declaredIn(json, 'clusters/staging/apps.yaml')).toBeUndefined();
    expect(changed(production)).toEqual(['update Deployment prod/web']);
    expect(production!.changes[0]!.fields).toEqual([{ path: 'spec.replicas', before: 3, after: 5 }]);
    expect(diffLines(production!.changes[0]!.diff)).toEqual(['-  replicas: 3', '+  replicas: 5']);
  });
});

describe('Flux spec fields written into the kustomization', () => {
  const spec = (tag: string) => `  path: ./apps/web
  targetNamespace: shop
  namePrefix: flux-
  images:
    - name: registry.example.com/web
      newTag: "${tag}"
  components: [../components/team]
  commonMetadata:
    labels: {owner: platform}
  patches:
    - target: {kind: ConfigMap, name: settings}
      patch: |
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: settings}
        data: {mode: patched}
`;
  const files = {
    'apps/web/kustomization.yaml': 'resources: [deploy.yaml, settings.yaml]\nnamePrefix: own-\nimages: [{name: registry.example.com/web, newName: mirror.example.com/web}]\n',
    'apps/web/deploy.yaml': web(),
    'apps/web/settings.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {mode: plain}\n',
    'apps/components/team/kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\ncommonAnnotations: {team: web}\n',
  };

  it('replaces the path\'s own namePrefix and merges images by name; a change of spec.images alone is reviewed', async () => {
    repo = new TestRepo();
    const base = repo.commit({ ...files, 'clusters/prod/web.yaml': kustomization('web', spec('2.0.0')) });
    const head = repo.commit({ 'clusters/prod/web.yaml': kustomization('web', spec('2.1.0')) });
    const { json } = await review(base, head);
    const target = declaredIn(json, 'clusters/prod/web.yaml');
    // Flux's namePrefix takes the place of "own-"; the image keeps the kustomization's newName and takes Flux's tag.
    expect(changed(target)).toEqual(['update Deployment shop/flux-web']);
    expect(target!.changes[0]!.fields).toEqual([
      { path: 'spec.template.spec.containers[name=web].image', before: 'mirror.example.com/web:2.0.0', after: 'mirror.example.com/web:2.1.0' },
    ]);
  });

  it('predicts the objects in full: kustomize\'s build of the kustomization Flux writes, then commonMetadata', async () => {
    repo = new TestRepo();
    const base = repo.commit({ ...files });
    const head = repo.commit({ 'clusters/prod/web.yaml': kustomization('web', spec('2.0.0')) });
    const target = declaredIn((await review(base, head)).json, 'clusters/prod/web.yaml');
    // kubectl kustomize output for: resources [deploy.yaml, settings.yaml], namePrefix flux-, namespace shop,
    // images [{name, newName mirror…, newTag 2.0.0}], components [../components/team], the patch; then owner: platform.
    expect(created(target, 'ConfigMap shop/flux-settings')).toEqual({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'flux-settings', namespace: 'shop', annotations: { team: 'web' }, labels: { owner: 'platform' } },
      data: { mode: 'patched' },
    });
    expect(created(target, 'Deployment shop/flux-web')).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'flux-web', namespace: 'shop', annotations: { team: 'web' }, labels: { owner: 'platform' } },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { annotations: { team: 'web' }, labels: { app: 'web' } },
          spec: { containers: [{ image: 'mirror.example.com/web:2.0.0', name: 'web' }] },
        },
      },
    });
  });

  it('generates the kustomization of a path that has none: its manifests below it, a kustomization directory as a whole', async () => {
    repo = new TestRepo();
    const base = repo.commit({
      'clusters/prod/infra.yaml': kustomization('infra', '  path: ./infra\n  targetNamespace: infra\n'),
      'infra/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: top}\ndata: {a: "1"}\n',
      'infra/nested/more.yml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: nested}\ndata: {a: "1"}\n',
      'infra/overlay/kustomization.yaml': 'resources: [cm.yaml]\nnameSuffix: -k\n',
      'infra/overlay/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: built}\ndata: {a: "1"}\n',
      'infra/notes.json': '{"not": "read by Flux"}\n',
    });
    const head = repo.commit({
      'infra/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: top}\ndata: {a: "2"}\n',
      'infra/nested/more.yml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: nested}\ndata: {a: "2"}\n',
      'infra/overlay/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: built}\ndata: {a: "2"}\n',
    });
    const { json } = await review(base, head);
    expect(json.targets.map((t) => t.declaredBy?.file)).toEqual(['clusters/prod/infra.yaml']);
    expect(changed(json.targets[0])!.sort()).toEqual(['update ConfigMap infra/built-k', 'update ConfigMap infra/nested', 'update ConfigMap infra/top']);
  });
});

describe('Flux post-build variable substitution', () => {
  const vars = (cluster: string) => `apiVersion: v1
kind: ConfigMap
metadata:
  name: cluster-vars
  namespace: flux-system
data:
  CLUSTER: ${cluster}
  REPLICAS: "3"
`;
  const token = (value: string) => `apiVersion: v1
kind: Secret
metadata:
  name: cluster-secrets
  namespace: flux-system
stringData:
  API_TOKEN: ${value}
`;
  const app = `apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  cluster: \${CLUSTER}
  env: \${APP_ENV}
  tier: \${TIER:=gold}
  token: \${API_TOKEN}
  db: \${DB_HOST}
  literal: $\${CLUSTER}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: raw
  annotations:
    kustomize.toolkit.fluxcd.io/substitute: disabled
data:
  cluster: \${CLUSTER}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: \${REPLICAS}
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: registry.example.com/web:1.0.0
`;
  const layout = (substituteFrom: string) => ({
    'clusters/prod/vars.yaml': vars('prod-eu'),
    'clusters/prod/secrets.yaml': token('tok-AAAA-1111'),
    'clusters/staging/vars.yaml': vars('staging-eu'),
    'clusters/prod/apps.yaml': kustomization(
      'apps',
      `  path: ./apps
  targetNamespace: shop
  postBuild:
    substitute:
      APP_ENV: production
    substituteFrom:
${substituteFrom}`,
    ),
    'apps/app.yaml': app,
  });
  const known = '      - {kind: ConfigMap, name: cluster-vars}\n      - {kind: Secret, name: cluster-secrets}\n';

  it('substitutes from a ConfigMap of the repository (the one of its cluster), with defaults, $$ escapes and the disabled annotation; a change of the ConfigMap reviews the target', async () => {
    repo = new TestRepo();
    const base = repo.commit(layout(`${known}      - {kind: Secret, name: db-credentials}\n`));
    const head = repo.commit({ 'clusters/prod/vars.yaml': vars('prod-us') });
    const { json, stdout } = await review(base, head);
    const target = declaredIn(json, 'clusters/prod/apps.yaml')!;
    expect(target.status).toBe('ok');
    expect(changed(target)).toEqual(['update ConfigMap shop/settings']);
    expect(target.changes[0]!.fields).toEqual([{ path: 'data.cluster', before: 'prod-eu', after: 'prod-us' }]);
    expect(stdout).not.toContain('tok-AAAA-1111');
    const notice = json.findings.filter((f) => f.rule === 'render-incomplete');
    expect(notice).toHaveLength(1);
    expect(notice[0]).toMatchObject({ severity: 'notice', target: target.name });
    expect(notice[0]!.message).toContain('${DB_HOST}');
    expect(notice[0]!.message).toContain('Secret/db-credentials');
  });

  it.each([
    // Every source known: ${TIER:=gold} takes its default, DB_HOST is defined nowhere and Flux substitutes
    // nothing for it (the unquoted YAML text "db: " then reads as null, as Flux reads it).
    ['every source in the repository', '', { tier: 'gold', db: null }],
    // Secret/db-credentials is not in the repository: it may set TIER or DB_HOST, so both stay as written.
    ['a Secret the repository does not define', '      - {kind: Secret, name: db-credentials}\n', { tier: '${TIER:=gold}', db: '${DB_HOST}' }],
  ])('predicts the substituted objects in full with %s, and never shows a Secret\'s value', async (_, extra, expected) => {
    repo = new TestRepo();
    const { 'clusters/prod/apps.yaml': declaration, ...rest } = layout(`${known}${extra}`);
    const base = repo.commit(rest);
    const { json, stdout } = await review(base, repo.commit({ 'clusters/prod/apps.yaml': declaration }));
    const target = declaredIn(json, 'clusters/prod/apps.yaml');
    // substitute over substituteFrom (the ConfigMap of this cluster's folder, not staging's); $${CLUSTER} is the text ${CLUSTER}.
    const settings = created(target, 'ConfigMap shop/settings') as { data: Record<string, string> };
    expect(settings.data.token).toMatch(/^<secret:API_TOKEN:[0-9a-f]{8}>$/);
    expect(settings).toEqual({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'settings', namespace: 'shop' },
      data: { cluster: 'prod-eu', env: 'production', token: settings.data.token, literal: '${CLUSTER}', ...expected },
    });
    expect(created(target, 'ConfigMap shop/raw')).toEqual({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'raw', namespace: 'shop', annotations: { 'kustomize.toolkit.fluxcd.io/substitute': 'disabled' } },
      data: { cluster: '${CLUSTER}' },
    });
    expect((created(target, 'Deployment shop/web') as { spec: { replicas: unknown } }).spec.replicas).toBe(3);
    expect(stdout).not.toContain('tok-AAAA-1111');
  });

  it('renders the substituted values with their YAML types, and leaves an object with substitution disabled as written', async () => {
    repo = new TestRepo();
    const files = layout(known);
    const base = repo.commit({ ...files, 'apps/app.yaml': app.replace('replicas: ${REPLICAS}', 'replicas: 1') });
    const head = repo.commit({ 'apps/app.yaml': app.replace('cluster: ${CLUSTER}\n---', 'cluster: ${CLUSTER}-x\n---') });
    const { json } = await review(base, head);
    const target = declaredIn(json, 'clusters/prod/apps.yaml')!;
    expect(changed(target)).toEqual(['update ConfigMap shop/raw', 'update Deployment shop/web']);
    expect(target.changes[0]!.fields).toEqual([{ path: 'data.cluster', before: '${CLUSTER}', after: '${CLUSTER}-x' }]);
    expect(target.changes[1]!.fields).toEqual([{ path: 'spec.replicas', before: 1, after: 3 }]);
  });

  it('says so when a variable is defined by no source: Flux substitutes an empty string', async () => {
    repo = new TestRepo();
    const base = repo.commit(layout(known));
    const head = repo.commit({ 'apps/app.yaml': app.replace('db: ${DB_HOST}', 'db: ${DB_HOST}\n  region: "prefix-${REGION}"') });
    const { json } = await review(base, head);
    const target = declaredIn(json, 'clusters/prod/apps.yaml')!;
    expect(target.changes[0]!.fields).toEqual([{ path: 'data.region', before: null, after: 'prefix-' }]);
    const notice = json.findings.filter((f) => f.rule === 'render-incomplete');
    expect(notice).toHaveLength(1);
    expect(notice[0]!.message).toContain('${DB_HOST}, ${REGION}');
    expect(notice[0]!.message).toContain('empty string');
  });

  it('finds a substituteFrom ConfigMap that first appears at head, in a new file, with no declaration changed', async () => {
    repo = new TestRepo();
    const base = repo.commit({
      'clusters/prod/flux-system/gotk-sync.yaml': gitRepository,
      'clusters/prod/apps.yaml': kustomization('apps', '  path: ./apps\n  postBuild:\n    substituteFrom:\n      - {kind: ConfigMap, name: cluster-vars}\n'),
      'apps/settings.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings, namespace: shop}\ndata: {cluster: "${CLUSTER}"}\n',
    });
    // At base the ConfigMap is nowhere: ${CLUSTER} stays as written. At head a new file defines it.
    const head = repo.commit({ 'clusters/prod/vars.yaml': vars('prod-eu') });
    const { json } = await review(base, head);
    const target = declaredIn(json, 'clusters/prod/apps.yaml')!;
    expect(target.changes.map((c) => [c.name, c.fields])).toEqual([['settings', [{ path: 'data.cluster', before: '${CLUSTER}', after: 'prod-eu' }]]]);
  });

  it('shows a changed Secret value as a changed marker, never the values', async () => {
    repo = new TestRepo();
    const base = repo.commit(layout(known));
    const head = repo.commit({ 'clusters/prod/secrets.yaml': token('tok-BBBB-2222') });
    const { json, stdout } = await review(base, head);
    const field = declaredIn(json, 'clusters/prod/apps.yaml')!.changes[0]!.fields[0]!;
    expect(field.path).toBe('data.token');
    expect(field.before).toMatch(/^<secret:API_TOKEN:[0-9a-f]{8}>$/);
    expect(field.after).toMatch(/^<secret:API_TOKEN:[0-9a-f]{8}>$/);
    expect(field.after).not.toBe(field.before);
    expect(stdout).not.toMatch(/tok-(AAAA|BBBB)/);
  });
});

describe('Flux HelmReleases', () => {
  const chart = {
    'charts/web/Chart.yaml': 'apiVersion: v2\nname: web\nversion: 0.1.0\n',
    'charts/web/values.yaml': 'replicas: 1\ngreeting: hello\ncolor: blue\n',
    'charts/web/templates/cm.yaml': `apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}
  namespace: {{ .Release.Namespace }}
data:
  greeting: {{ .Values.greeting | quote }}
  color: {{ .Values.color | quote }}
  replicas: {{ .Values.replicas | quote }}
`,
  };
  const release = (sourceKind: string, chartName: string, extra = '') => `apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: web
  namespace: flux-system
spec:
  interval: 10m
  targetNamespace: shop
  chart:
    spec:
      chart: ${chartName}
      version: "0.1.0"
      sourceRef:
        kind: ${sourceKind}
        name: ${sourceKind === 'GitRepository' ? 'flux-system' : 'bitnami'}
${extra}`;
  const values = (greeting: string) => `apiVersion: v1
kind: ConfigMap
metadata:
  name: web-values
  namespace: flux-system
data:
  values.yaml: |
    greeting: ${greeting}
    color: red
`;
  const gitRelease = release(
    'GitRepository',
    './charts/web',
    `  valuesFrom:
    - kind: ConfigMap
      name: web-values
    - kind: ConfigMap
      name: web-values
      valuesKey: replicas
      targetPath: replicas
      optional: true
  values:
    color: green
`,
  );

  it('renders a chart of a GitRepository with valuesFrom (in order) and spec.values last, the release named [targetNamespace-]name in targetNamespace', async () => {
    repo = new TestRepo();
    const base = repo.commit({ ...chart, 'clusters/prod/flux-system/gotk-sync.yaml': gitRepository, 'clusters/prod/web.yaml': gitRelease, 'clusters/prod/web-values.yaml': values('hi') });
    const head = repo.commit({ 'clusters/prod/web-values.yaml': values('bonjour') });
    const { json } = await review(base, head);
    const target = declaredIn(json, 'clusters/prod/web.yaml')!;
    expect(target.declaredBy!.kind).toBe('HelmRelease');
    expect(changed(target)).toEqual(['update ConfigMap shop/shop-web']);
    expect(target.changes[0]!.fields).toEqual([{ path: 'data.greeting', before: 'hi', after: 'bonjour' }]);
  });

  it('predicts the release in full when the HelmRelease is added', async () => {
    repo = new TestRepo();
    const base = repo.commit({ ...chart, 'clusters/prod/flux-system/gotk-sync.yaml': gitRepository, 'clusters/prod/web-values.yaml': values('hi') });
    const { json } = await review(base, repo.commit({ 'clusters/prod/web.yaml': gitRelease }));
    // helm template shop-web charts/web --namespace shop with values: the chart's, then the ConfigMap's
    // values.yaml (greeting hi, color red), the optional replicas key is absent, then spec.values (color green).
    expect(created(declaredIn(json, 'clusters/prod/web.yaml'), 'ConfigMap shop/shop-web')).toEqual({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'shop-web', namespace: 'shop' },
      data: { greeting: 'hi', color: 'green', replicas: '1' },
    });
  });

  it('lists a chart of a HelmRepository as external, not rendered, unless the repository vendors that chart', async () => {
    repo = new TestRepo();
    const external = release('HelmRepository', 'redis');
    const base = repo.commit({ 'clusters/prod/redis.yaml': external });
    snapshot = await Snapshot.open(repo.dir, base);
    expect(await discoverTargets(snapshot)).toEqual([]);
    expect(await discoverNotRendered(snapshot)).toEqual([
      {
        name: 'web',
        declaredBy: { kind: 'HelmRelease', namespace: 'flux-system', name: 'web', file: 'clusters/prod/redis.yaml' },
        reason: 'external chart redis 0.1.0 from HelmRepository flux-system/bitnami, not rendered',
      },
    ]);
    await snapshot.dispose();
    // Vendored: the chart of that name and version in the repository is rendered.
    snapshot = await Snapshot.open(repo.dir, repo.commit({ ...chart, 'clusters/prod/redis.yaml': release('HelmRepository', 'web') }));
    expect((await discoverTargets(snapshot)).map((t) => `${t.name} ${t.renderer} ${t.path} ${t.helm?.releaseName}`)).toContain('web helm charts/web shop-web');
    expect(await discoverNotRendered(snapshot)).toEqual([]);
  });

  it('deletes what leaves the build only with spec.prune: true, and never an object marked prune: disabled', async () => {
    // Flux garbage-collects objects that leave the build only when spec.prune is true (a required field:
    // absent means false); an object annotated kustomize.toolkit.fluxcd.io/prune: disabled is never deleted.
    const namespace = (name: string, extra = '') => `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${name}\n${extra}`;
    const kept = namespace('kept', '  annotations: {kustomize.toolkit.fluxcd.io/prune: disabled}\n');
    const deleted = async (prune: string) => {
      repo?.dispose();
      repo = new TestRepo();
      const spec = '  path: ./apps\n';
      const declaration = prune === 'absent' ? kustomization('apps', spec).replace('  prune: true\n', '') : kustomization('apps', spec).replace('prune: true', `prune: ${prune}`);
      const base = repo.commit({ 'clusters/prod/flux-system/gotk-sync.yaml': gitRepository, 'clusters/prod/apps.yaml': declaration, 'apps/shop.yaml': namespace('shop'), 'apps/kept.yaml': kept });
      const { json } = await review(base, repo.commit({ 'apps/shop.yaml': null, 'apps/kept.yaml': null }));
      const target = declaredIn(json, 'clusters/prod/apps.yaml')!;
      const rules = json.findings.filter((f) => f.rule === 'namespace-deleted').map((f) => f.message.split(' ')[1]);
      return { verdict: json.verdict, left: target.changes.filter((c) => c.prune === false).map((c) => c.name), rules };
    };
    expect(await deleted('true')).toEqual({ verdict: 'fail', left: ['kept'], rules: ['shop'] });
    expect(await deleted('false')).toEqual({ verdict: 'pass', left: ['kept', 'shop'], rules: [] });
    expect(await deleted('absent')).toEqual({ verdict: 'pass', left: ['kept', 'shop'], rules: [] });
  });
});
