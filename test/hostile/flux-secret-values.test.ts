// A merge request that routes a Secret's values of the repository into an object
// whose fields are shown (a ConfigMap, an annotation, a name): through a HelmRelease's
// valuesFrom or a Kustomization's substituteFrom. No value of the Secret appears in
// the review, whatever its YAML type; a change of it still shows.
import { afterEach, describe, expect, it } from 'vitest';
import { gitRepository as fluxSource } from '../helpers/gitops.js';
import { cli } from '../helpers/cli.js';
import { TestRepo } from '../helpers/git-repo.js';

let repo: TestRepo;
afterEach(() => repo.dispose());

const PIN = '48213907';
const PASSWORD = 'correct-horse-battery';

const gitRepository = fluxSource();

const secret = (pin: string) => `apiVersion: v1
kind: Secret
metadata: {name: db, namespace: flux-system}
stringData:
  values.yaml: |
    pin: ${pin}
    ratio: 0.${pin}
    password: ${PASSWORD}
  PIN: "${pin}"
`;

const release = `apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: web, namespace: flux-system}
spec:
  interval: 10m
  targetNamespace: shop
  chart:
    spec:
      chart: ./charts/web
      sourceRef: {kind: GitRepository, name: flux-system}
  valuesFrom:
    - {kind: Secret, name: db}
`;

const chart = {
  'charts/web/Chart.yaml': 'apiVersion: v2\nname: web\nversion: 0.1.0\n',
  'charts/web/templates/cm.yaml': `apiVersion: v1
kind: ConfigMap
metadata:
  name: web
  annotations: {pin: {{ .Values.pin | quote }}}
data:
  pin: {{ .Values.pin | quote }}
  ratio: {{ .Values.ratio | quote }}
  password: {{ .Values.password | quote }}
`,
};

const kustomization = `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: apps, namespace: flux-system}
spec:
  interval: 10m
  prune: true
  path: ./apps
  sourceRef: {kind: GitRepository, name: flux-system}
  postBuild:
    substituteFrom:
      - {kind: Secret, name: vars}
`;

const vars = (pin: string) => `apiVersion: v1
kind: Secret
metadata: {name: vars, namespace: flux-system}
data:
  PIN: ${Buffer.from(pin).toString('base64')}
`;
async function review(base: string, head: string, format: 'json' | 'markdown'): Promise<string> {
  const result = await cli(['review', '--repo', repo.dir, '--base', base, '--head', head, '--format', format]);
  if (result.status === 2) throw new Error(result.stderr);
  return result.stdout + result.stderr;
}

describe("a Secret's values routed into shown fields", () => {
  it('a number, a float and a string of a HelmRelease valuesFrom Secret never appear; their change does', async () => {
    repo = new TestRepo();
    const base = repo.commit({ ...chart, 'clusters/prod/flux-system/gotk-sync.yaml': gitRepository, 'clusters/prod/web.yaml': release, 'clusters/prod/db.yaml': secret('11112222') });
    const head = repo.commit({ 'clusters/prod/db.yaml': secret(PIN) });
    for (const format of ['json', 'markdown'] as const) {
      const out = await review(base, head, format);
      expect(out).toContain('ConfigMap');
      for (const leaked of [PIN, '11112222', PASSWORD]) expect(out, format).not.toContain(leaked);
    }
    const json = JSON.parse(await review(base, head, 'json')) as { targets: Array<{ changes: Array<{ fields: Array<{ path: string }> }> }> };
    expect(json.targets.flatMap((t) => t.changes.flatMap((c) => c.fields.map((f) => f.path))).sort()).toEqual(['data.pin', 'data.ratio', 'metadata.annotations.pin']);
  });

  it('a substituteFrom Secret variable in a name, an annotation and data never appears', async () => {
    repo = new TestRepo();
    const cm = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-${PIN}\n  namespace: shop\n  annotations: {pin: "${PIN}", first: "${PIN:0:4}", upper: "${PIN^^}"}\ndata:\n  pin: ${PIN}\n';
    const base = repo.commit({ 'clusters/prod/flux-system/gotk-sync.yaml': gitRepository, 'clusters/prod/apps.yaml': kustomization, 'clusters/prod/vars.yaml': vars('11112222'), 'apps/cm.yaml': cm });
    const head = repo.commit({ 'clusters/prod/vars.yaml': vars(PIN) });
    for (const format of ['json', 'markdown'] as const) {
      // Commit ids are random hex: a short fragment may occur in one by chance.
      const out = (await review(base, head, format)).replace(/\b[0-9a-f]{40}\b/g, '<commit>');
      expect(out).toContain('ConfigMap');
      for (const leaked of [PIN, '11112222', '4821', '1111']) expect(out, format).not.toContain(leaked);
    }
  });
});
