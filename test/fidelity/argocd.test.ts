// Argo CD's app of apps and ApplicationSets on small repositories. Expected objects
// are written by hand: what `kubectl kustomize` / `helm template` print for each
// directory, named and placed as Argo CD's documented generator and template
// semantics make the generated Applications deploy them.
import { afterEach, describe, expect, it } from 'vitest';
import { TestRepo } from '../helpers/git-repo.js';
import { reviewJson } from '../helpers/gitops.js';

let repo: TestRepo;
afterEach(() => repo?.dispose());

interface ReviewJson {
  verdict: string;
  targets: Array<{
    name: string;
    path: string;
    declaredBy?: { kind: string; namespace: string | null; name: string; file: string };
    changes: Array<{ action: string; kind: string; namespace: string | null; name: string; fields: Array<{ path: string; before: unknown; after: unknown }> }>;
  }>;
  notRendered?: Array<{ name: string; declaredBy: { kind: string; name: string; file: string }; reason: string }>;
}

const review = (base: string, head: string) => reviewJson<ReviewJson>(repo, base, head);

const URL = 'https://github.com/acme/fleet.git';
const configMap = (name: string, data: Record<string, string>) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ${name}}\ndata:\n${Object.entries(data).map(([k, v]) => `  ${k}: "${v}"`).join('\n')}\n`;
const kustomizeDir = (dir: string, name: string, level: string) => ({
  [`${dir}/kustomization.yaml`]: 'resources: [config.yaml]\n',
  [`${dir}/config.yaml`]: configMap(name, { level }),
});
const summary = (json: ReviewJson) =>
  json.targets.map((t) => `${t.name} ← ${t.declaredBy?.kind}/${t.declaredBy?.name} ${t.declaredBy?.file}: ${t.changes.map((c) => `${c.action} ${c.kind} ${c.namespace}/${c.name}`).join(', ')}`);

const matrixAppSet = `apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: {name: envs, namespace: argocd}
spec:
  goTemplate: true
  goTemplateOptions: ["missingkey=error"]
  generators:
    - matrix:
        generators:
          - git:
              repoURL: ${URL}
              revision: HEAD
              directories:
                - path: apps/*
                - path: apps/legacy
                  exclude: true
          - list:
              elements:
                - env: dev
                - env: prod
                  prefix: p-
  template:
    metadata:
      name: '{{ .path.basename }}-{{ .env }}'
    spec:
      project: default
      source:
        repoURL: ${URL}
        targetRevision: HEAD
        path: '{{ .path.path }}'
        kustomize:
          namePrefix: '{{ get . "prefix" | default "" }}'
          nameSuffix: '-{{ .path.basename | upper | lower | trunc 2 }}'
      destination:
        server: https://kubernetes.default.svc
        namespace: '{{ .env }}'
`;

describe('ApplicationSets', () => {
  it('a matrix of git directories × list with goTemplate and Sprig: a change to one directory reviews only its Applications', async () => {
    repo = new TestRepo();
    const base = repo.commit({
      'appset.yaml': matrixAppSet,
      ...kustomizeDir('apps/web', 'web-config', 'info'),
      ...kustomizeDir('apps/api', 'api-config', 'info'),
      ...kustomizeDir('apps/legacy', 'legacy-config', 'info'),
    });
    const head = repo.commit({ 'apps/web/config.yaml': configMap('web-config', { level: 'debug' }) });
    const json = await review(base, head);
    // Generated: web-dev, web-prod, api-dev, api-prod (legacy excluded); only web's read the change.
    // Argo CD applies namePrefix "p-" for prod only and the suffix "-" + "WEB"|lower|trunc 2 = "-we".
    expect(summary(json)).toEqual([
      'web-dev ← ApplicationSet/envs appset.yaml: update ConfigMap dev/web-config-we',
      'web-prod ← ApplicationSet/envs appset.yaml: update ConfigMap prod/p-web-config-we',
    ]);
    for (const target of json.targets) expect(target.changes[0]!.fields).toEqual([{ path: 'data.level', before: 'info', after: 'debug' }]);
    expect(json.targets.map((t) => t.path)).toEqual(['apps/web', 'apps/web']);
  });

  it('fasttemplate: a new directory matched by the git generator is a new Application', async () => {
    repo = new TestRepo();
    const appset = `apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: {name: services, namespace: argocd}
spec:
  generators:
    - git:
        repoURL: git@github.com:acme/fleet.git
        revision: HEAD
        directories:
          - path: services/*
  template:
    metadata:
      name: 'svc-{{path.basename}}'
    spec:
      project: default
      source: {repoURL: 'git@github.com:acme/fleet.git', targetRevision: HEAD, path: '{{path}}'}
      destination: {server: https://kubernetes.default.svc, namespace: '{{path[1]}}-{{ unknown }}'}
`;
    const base = repo.commit({ 'appset.yaml': appset, ...kustomizeDir('services/cart', 'cart', 'info') });
    const head = repo.commit(kustomizeDir('services/checkout', 'checkout', 'warn'));
    const json = await review(base, head);
    // fasttemplate leaves a tag with no parameter as written: the namespace is "checkout-{{ unknown }}".
    expect(summary(json)).toEqual(['svc-checkout ← ApplicationSet/services appset.yaml: create ConfigMap checkout-{{ unknown }}/checkout']);
  });

  it('an SCM-provider generator is listed as not evaluable, the other ApplicationSets still render', async () => {
    repo = new TestRepo();
    const scm = `apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: {name: org-repos, namespace: argocd}
spec:
  generators:
    - scmProvider:
        github: {organization: acme}
  template:
    metadata: {name: '{{repository}}'}
    spec:
      project: default
      source: {repoURL: '{{url}}', targetRevision: HEAD, path: deploy}
      destination: {server: https://kubernetes.default.svc, namespace: default}
`;
    const base = repo.commit({ 'appset.yaml': matrixAppSet, ...kustomizeDir('apps/web', 'web-config', 'info') });
    const head = repo.commit({ 'argocd/scm.yaml': scm, 'apps/web/config.yaml': configMap('web-config', { level: 'warn' }) });
    const json = await review(base, head);
    expect(json.notRendered).toEqual([
      { name: 'org-repos', declaredBy: { kind: 'ApplicationSet', namespace: 'argocd', name: 'org-repos', file: 'argocd/scm.yaml' }, reason: 'SCM-provider generator (lists repositories of an SCM service) is not evaluable offline' },
    ]);
    // The new file is itself a manifest of a directory no target reads: the ApplicationSet object is created.
    expect(summary(json)).toEqual([
      'web-dev ← ApplicationSet/envs appset.yaml: update ConfigMap dev/web-config-we',
      'web-prod ← ApplicationSet/envs appset.yaml: update ConfigMap prod/p-web-config-we',
      'argocd ← undefined/undefined undefined: create ApplicationSet argocd/org-repos',
    ]);
  });
});

const rootApp = `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: root, namespace: argocd}
spec:
  project: default
  source: {repoURL: ${URL}, targetRevision: HEAD, path: charts/apps}
  destination: {server: https://kubernetes.default.svc, namespace: argocd}
`;
const appsChart = {
  'charts/apps/Chart.yaml': 'apiVersion: v2\nname: apps\nversion: 1.0.0\n',
  'charts/apps/templates/apps.yaml': `{{- range $name, $app := .Values.apps }}
---
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: {{ $name }}
  namespace: argocd
spec:
  project: default
  source:
    repoURL: ${URL}
    targetRevision: HEAD
    path: {{ $app.path }}
    {{- with $app.values }}
    helm:
      valuesObject:
        {{- toYaml . | nindent 8 }}
    {{- end }}
  destination:
    server: https://kubernetes.default.svc
    namespace: {{ $name }}
{{- end }}
`,
};
const webChart = {
  'charts/web/Chart.yaml': 'apiVersion: v2\nname: web\nversion: 1.0.0\n',
  'charts/web/values.yaml': 'replicas: 1\n',
  'charts/web/templates/deployment.yaml': `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}
spec:
  replicas: {{ .Values.replicas }}
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: web
          image: nginx:1.27
`,
};

describe('app of apps', () => {
  it('a Helm chart of Applications: a value of the parent changes the child, which is reviewed with the exact diff', async () => {
    repo = new TestRepo();
    const base = repo.commit({
      'root.yaml': rootApp,
      ...appsChart,
      'charts/apps/values.yaml': 'apps:\n  web:\n    path: charts/web\n',
      ...webChart,
      ...kustomizeDir('apps/cache', 'cache-config', 'info'),
    });
    const head = repo.commit({ 'charts/apps/values.yaml': 'apps:\n  web:\n    path: charts/web\n    values: {replicas: 3}\n  cache:\n    path: apps/cache\n' });
    const json = await review(base, head);
    const byName = new Map(json.targets.map((t) => [t.name, t]));
    // The root renders two Applications at head: web (now with values) and cache (new).
    expect(summary(json)).toEqual([
      'root ← Application/root root.yaml: create Application argocd/cache, update Application argocd/web',
      'web ← Application/web charts/apps/templates/apps.yaml: update Deployment web/web',
      'cache ← Application/cache charts/apps/templates/apps.yaml: create ConfigMap cache/cache-config',
    ]);
    // Argo CD names the release after the Application: Deployment "web" in namespace "web", replicas 1 → 3.
    expect(byName.get('web')!.changes[0]!.fields).toEqual([{ path: 'spec.replicas', before: 1, after: 3 }]);
    expect(byName.get('web')!.declaredBy).toEqual({ kind: 'Application', namespace: 'argocd', name: 'web', file: 'charts/apps/templates/apps.yaml' });
  });

  it('a chart whose Application deploys the chart itself is a cycle, refused with a clear message', async () => {
    repo = new TestRepo();
    const base = repo.commit({ 'root.yaml': rootApp, ...appsChart, 'charts/apps/values.yaml': 'apps:\n  web:\n    path: charts/web\n', ...webChart });
    const head = repo.commit({ 'charts/apps/values.yaml': 'apps:\n  web:\n    path: charts/web\n  again:\n    path: charts/apps\n', 'charts/apps/templates/apps.yaml': `${appsChart['charts/apps/templates/apps.yaml']}# cycle\n` });
    const json = await review(base, head);
    expect(json.notRendered).toEqual([
      {
        name: 'again',
        declaredBy: { kind: 'Application', namespace: 'argocd', name: 'again', file: 'charts/apps/templates/apps.yaml' },
        reason: 'app of apps cycle refused: Application root → Application again',
      },
    ]);
    expect(summary(json)).toEqual(['root ← Application/root root.yaml: create Application argocd/again']);
  });
});
