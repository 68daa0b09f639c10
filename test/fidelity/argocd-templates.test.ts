// ApplicationSet templates and parameters as Argo CD evaluates them, checked
// through the CLI: Go templates with Argo CD's function set and missingkey option,
// git files flattened without goTemplate, the cluster generator from the config.
// Expected values are written by hand from Argo CD's documented behaviour.
import { afterEach, describe, expect, it } from 'vitest';
import { TestRepo } from '../helpers/git-repo.js';
import { reviewJson } from '../helpers/gitops.js';

let repo: TestRepo;
afterEach(() => repo?.dispose());

interface ReviewJson {
  targets: Array<{ name: string; changes: Array<{ action: string; kind: string; namespace: string | null; name: string }> }>;
  notRendered?: Array<{ name: string; reason: string }>;
}

const review = (base: string, head: string) => reviewJson<ReviewJson>(repo, base, head);

const appset = (spec: string) => `apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: {name: gen, namespace: argocd}
spec:
${spec}
`;
const app = (name: string, namespace: string, path = 'app') => `  template:
    metadata: {name: '${name}'}
    spec:
      project: default
      source: {repoURL: https://github.com/acme/fleet, targetRevision: HEAD, path: ${path}}
      destination: {server: https://kubernetes.default.svc, namespace: '${namespace}'}`;
const manifests = { 'app/config.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {a: "1"}\n' };
const created = (json: ReviewJson) => json.targets.map((t) => `${t.name}: ${t.changes.map((c) => `${c.action} ${c.kind} ${c.namespace}/${c.name}`).join(', ')}`);

/** The review of an ApplicationSet added at head over a repository holding `app/`. */
async function added(spec: string, extra: Record<string, string> = {}): Promise<ReviewJson> {
  repo = new TestRepo();
  const base = repo.commit({ ...manifests, ...extra });
  return review(base, repo.commit({ 'argocd/appset.yaml': appset(spec) }));
}

describe('ApplicationSet templates', () => {
  it('git files without goTemplate: nested keys flattened, numbers printed as Go prints them, path parameters', async () => {
    const json = await added(
      `  generators:\n    - git:\n        repoURL: https://github.com/acme/fleet\n        revision: HEAD\n        files: [{path: "envs/*/config.json"}]\n${app('{{cluster.name}}-{{path.basename}}', 'ns-{{cluster.size}}-{{path[1]}}')}`,
      { 'envs/east/config.json': '{"cluster": {"name": "c1", "size": 3}}', 'envs/west/config.json': '{"cluster": {"name": "c2", "size": 1000000}}' },
    );
    // Go's %v prints the float64 1000000 as 1e+06.
    expect(created(json).filter((l) => !l.startsWith('argocd:'))).toEqual(['c1-east: create ConfigMap ns-3-east/settings', 'c2-west: create ConfigMap ns-1e+06-west/settings']);
  });

  it('the cluster generator lists the clusters of .safe-deploy.yml, a selector filters them; normalize is Argo CD\'s', async () => {
    const config = '.safe-deploy.yml';
    const json = await added(
      `  goTemplate: true\n  generators:\n    - clusters:\n        selector: {matchLabels: {tier: prod}}\n${app('{{ .name | normalize }}', '{{ .metadata.labels.region }}')}`,
      { [config]: 'clusters:\n  Prod_EU: {server: https://eu.example, labels: {tier: prod, region: eu}}\n  staging: {labels: {tier: staging, region: us}}\n' },
    );
    expect(created(json).filter((l) => !l.startsWith('argocd:'))).toEqual(['prod-eu: create ConfigMap eu/settings']);
  });

  it('a Helm function Argo CD lacks fails as in Argo CD', async () => {
    const json = await added(`  goTemplate: true\n  generators:\n    - list: {elements: [{env: dev}]}\n${app('{{ include "x" . }}', 'dev')}`);
    expect(json.notRendered?.map((n) => n.reason)).toEqual(['not generated: template "{{ include \\"x\\" . }}": function "include" not defined in Argo CD']);
  });

  it('missingkey=error refuses a missing key; the default prints <no value>, as text/template does', async () => {
    const strict = await added(`  goTemplate: true\n  goTemplateOptions: ["missingkey=error"]\n  generators:\n    - list: {elements: [{env: dev}]}\n${app('app-{{ .env }}', '{{ .region }}')}`);
    expect(strict.notRendered?.[0]?.reason).toMatch(/^not generated: template "\{\{ \.region \}\}": map has no entry/);
    const lax = await added(`  goTemplate: true\n  generators:\n    - list: {elements: [{env: dev}]}\n${app('app-{{ .env }}', '{{ .region }}')}`);
    expect(created(lax).filter((l) => !l.startsWith('argocd:'))).toEqual(['app-dev: create ConfigMap <no value>/settings']);
  });
});
