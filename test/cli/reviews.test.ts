// Review routing from the command line: a real repository, a kustomize target
// rendered by the real kustomize. The CLI asks no platform, so it lists the
// entries a change calls for and why, with no approval state.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TestRepo, runCli } from '../helpers/git-repo.js';
import { deployment } from '../helpers/manifests.js';

const CONFIG = `reviews:
  - name: exposure needs security
    when: {impacts: [exposure]}
    require: ['@acme/security']
  - name: payments files
    when: {paths: ['deploy/pay/**']}
    require: ['@acme/payments', '@alice']
  - name: system namespaces
    when: {namespaces: ['kube-*']}
    require: ['@acme/sre']
`;

const SERVICE = `apiVersion: v1
kind: Service
metadata:
  name: pay
spec:
  selector: {app: pay}
  ports: [{port: 80, targetPort: 8080}]
`;

const KUSTOMIZATION = `namespace: payments
resources: [deploy.yaml, service.yaml]
patches:
  - path: expose.yaml
`;

// The type comes from the patch file: the object's own file does not change.
const expose = (type: string) => `apiVersion: v1
kind: Service
metadata:
  name: pay
spec:
  type: ${type}
`;

let repo: TestRepo;
let base: string;

beforeEach(() => {
  repo = new TestRepo();
  base = repo.commit({
    '.safe-deploy.yml': CONFIG,
    'deploy/pay/kustomization.yaml': KUSTOMIZATION,
    'deploy/pay/deploy.yaml': deployment('pay'),
    'deploy/pay/service.yaml': SERVICE,
    'deploy/pay/expose.yaml': expose('ClusterIP'),
  });
});
afterEach(() => repo.dispose());

describe('safe-deploy review with reviews:', () => {
  it('lists the entries the change calls for, from the base config, without approval state', () => {
    // The head also drops reviews: from its own config; the base's still applies.
    const head = repo.commit({ 'deploy/pay/expose.yaml': expose('LoadBalancer'), '.safe-deploy.yml': 'reviews: [{when: {kinds: [Nothing]}, require: ["@nobody"]}]\n' });
    const result = runCli(['review', '--repo', repo.dir, '--base', base, '--head', head, '--format', 'json']);
    expect(result.stderr).toBe('');
    const review = JSON.parse(result.stdout);
    expect(review.reviews).toEqual([
      { name: 'exposure needs security', require: ['@acme/security'], because: ['Service payments/pay in deploy/pay: exposure'] },
      { name: 'payments files', require: ['@acme/payments', '@alice'], because: ['changed file deploy/pay/expose.yaml'] },
    ]);

    const markdown = runCli(['review', '--repo', repo.dir, '--base', base, '--head', head]).stdout;
    expect(markdown).toContain(
      [
        '### Reviews needed (2)',
        '',
        '| Review | Why | Approval |',
        '| --- | --- | --- |',
        '| exposure needs security | Service payments/pay in deploy/pay: exposure | ⏳ needs <code>&#64;acme/security</code> |',
        '| payments files | changed file deploy/pay/expose.yaml | ⏳ needs <code>&#64;acme/payments</code> or <code>&#64;alice</code> |',
      ].join('\n'),
    );
  });

  it('writes an empty list when nothing is called for', () => {
    const head = repo.commit({ 'README.md': '# infra\n' });
    const review = JSON.parse(runCli(['review', '--repo', repo.dir, '--base', base, '--head', head, '--format', 'json']).stdout);
    expect(review.reviews).toEqual([]);
  });
});
