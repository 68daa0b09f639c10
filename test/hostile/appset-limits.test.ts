// ApplicationSets that would make a target of every one of thousands of generated
// Applications, each rendered at both sides: a list generator and several generators
// are bounded like the git and matrix ones, and the ApplicationSet is listed as not
// rendered with the reason.
import { afterEach, describe, expect, it } from 'vitest';
import { TestRepo } from '../helpers/git-repo.js';
import { reviewJson } from '../helpers/gitops.js';
import { configMap } from '../helpers/manifests.js';

let repo: TestRepo;
afterEach(() => repo.dispose());

const list = (from: number, count: number) =>
  `    - list:\n        elements:\n${Array.from({ length: count }, (_, i) => `          - {name: e${from + i}}`).join('\n')}\n`;

const appset = (name: string, generators: string) => `apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: {name: ${name}, namespace: argocd}
spec:
  generators:
${generators}  template:
    metadata: {name: '${name}-{{name}}'}
    spec:
      project: default
      source: {repoURL: https://git.example.com/gitops.git, path: apps/web}
      destination: {server: https://kubernetes.default.svc, namespace: '{{name}}'}
`;

const review = (base: string, head: string) => reviewJson<ReviewJson>(repo, base, head);

interface ReviewJson {
  verdict: string;
  targets: Array<{ name: string; declaredBy?: { name: string } }>;
  findings: Array<{ rule: string; severity: string; target: string }>;
  notRendered?: Array<{ name: string; reason: string; failed?: true }>;
}

/** A limit never passes a change it did not look at: past one, the declaration fails the review. */
const failedDeclarations = (json: ReviewJson) => json.findings.filter((f) => f.rule === 'render-failed').map((f) => `${f.severity} ${f.target}`);

describe('ApplicationSets that generate thousands of Applications', () => {
  it('a list of 1,001 elements, or two lists of 600, are not generated; 1,000 are', async () => {
    repo = new TestRepo();
    const base = repo.commit({ 'apps/web/cm.yaml': configMap('web', { a: '1' }) });
    const head = repo.commit({
      'argo/long.yaml': appset('long', list(0, 1001)),
      'argo/two.yaml': appset('two', list(0, 600) + list(600, 600)),
      'argo/fits.yaml': appset('fits', list(0, 1000)),
    });
    const json = await review(base, head);
    expect(json.notRendered).toEqual([
      { name: 'long', declaredBy: { kind: 'ApplicationSet', namespace: 'argocd', name: 'long', file: 'argo/long.yaml' }, reason: 'not generated: generators produce 1001 parameter sets, over the limit of 1000', failed: true },
      { name: 'two', declaredBy: { kind: 'ApplicationSet', namespace: 'argocd', name: 'two', file: 'argo/two.yaml' }, reason: 'not generated: generators produce 1200 parameter sets, over the limit of 1000', failed: true },
    ]);
    expect(json.verdict).toBe('fail');
    expect(failedDeclarations(json)).toEqual(['error ApplicationSet long', 'error ApplicationSet two']);
    const generated = json.targets.filter((t) => t.declaredBy?.name !== undefined).map((t) => t.declaredBy!.name);
    expect(generated.filter((n) => n === 'fits')).toHaveLength(1000);
    expect(generated.filter((n) => n !== 'fits')).toEqual([]);
  });
});

describe('an app of apps whose parent renders thousands of Applications', () => {
  it('follows 1,000 children in all and lists the parent\'s rest as not followed, in one line', async () => {
    repo = new TestRepo();
    const base = repo.commit({ 'apps/web/cm.yaml': configMap('web', { a: '1' }) });
    const head = repo.commit({
      'parent/Chart.yaml': 'apiVersion: v2\nname: parent\nversion: 0.1.0\n',
      // A loop of four lines: without a bound, 100,000 children would each be rendered at both sides.
      'parent/templates/apps.yaml': `{{- range $i := until 1200 }}
---
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: child-{{ $i }}, namespace: argocd}
spec:
  project: default
  source: {repoURL: https://git.example.com/gitops.git, path: apps/web}
  destination: {server: https://kubernetes.default.svc, namespace: n{{ $i }}}
{{- end }}
`,
    });
    const json = await review(base, head);
    expect(json.targets.filter((t) => t.name.startsWith('child-'))).toHaveLength(1000);
    expect(json.notRendered).toEqual([
      {
        name: 'child-1000',
        declaredBy: { kind: 'Application', namespace: 'argocd', name: 'child-1000', file: 'parent/templates/apps.yaml' },
        reason: "app of apps: over 1000 children in all; this one and the rest of parent's are not followed",
        failed: true,
      },
    ]);
    expect(json.verdict).toBe('fail');
    expect(failedDeclarations(json)).toEqual(['error Application child-1000']);
  });
});
