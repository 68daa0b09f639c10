import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { TestRepo } from '../helpers/git-repo.js';
import { deployment } from '../helpers/manifests.js';

const ownerPolicy = (expression = "has(object.metadata.labels) && 'owner' in object.metadata.labels") => `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: require-owner
spec:
  matchConstraints:
    resourceRules:
      - {apiGroups: [apps], apiVersions: [v1], operations: [CREATE, UPDATE], resources: [deployments]}
  validations:
    - expression: "${expression.replace(/"/g, '\\"')}"
      message: every Deployment needs an owner label
`;

let repo: TestRepo;
beforeEach(() => {
  repo = new TestRepo();
});
afterEach(() => repo.dispose());

const review = async (base: string, head: string) => {
  const out = await cli(['review', '--repo', repo.dir, '--base', base, '--head', head, '--format', 'json']);
  return { ...out, json: out.stdout ? JSON.parse(out.stdout) : null };
};

describe('custom policies from the base revision', () => {
  it('judge the change, not the head’s version of themselves', async () => {
    const base = repo.commit({ '.safe-deploy.yml': 'policies:\n  custom: [policies]\n', 'policies/owner.yaml': ownerPolicy(), 'deploy/web/deploy.yaml': deployment('web', { namespace: 'shop' }) });
    // The head tries to weaken the policy, changes a Deployment that broke it already and adds one that breaks it.
    const head = repo.commit({
      'policies/owner.yaml': ownerPolicy('true'),
      'deploy/web/deploy.yaml': deployment('web', { namespace: 'shop', replicas: 3 }),
      'deploy/api/deploy.yaml': deployment('api', { namespace: 'shop' }),
    });
    const { status, json } = await review(base, head);
    expect(status).toBe(1);
    const owner = { rule: 'policy:require-owner', severity: 'error', kind: 'Deployment', message: 'every Deployment needs an owner label', line: 1 };
    expect(json.findings).toEqual([
      expect.objectContaining({ ...owner, name: 'api', file: 'deploy/api/deploy.yaml', introduced: true }),
      expect.objectContaining({ ...owner, name: 'web', file: 'deploy/web/deploy.yaml', introduced: false }),
    ]);
  });

  it('take a severity from policies.rules like built-in rules', async () => {
    const base = repo.commit({ '.safe-deploy.yml': 'policies:\n  custom: [policies/owner.yaml]\n  rules: { "policy:require-owner": warning }\n', 'policies/owner.yaml': ownerPolicy(), 'deploy/web/deploy.yaml': deployment('web') });
    const head = repo.commit({ 'deploy/web/deploy.yaml': deployment('web', { replicas: 4 }) });
    const { status, json } = await review(base, head);
    expect(status).toBe(0);
    expect(json.findings.map((f: { rule: string; severity: string }) => `${f.rule} ${f.severity}`)).toEqual(['policy:require-owner warning']);
  });

  it('stop the review naming the file and the expression when an expression does not compile', async () => {
    const base = repo.commit({ '.safe-deploy.yml': 'policies:\n  custom: [policies]\n', 'policies/owner.yaml': ownerPolicy('object.metadata.labels.owner.nope()'), 'deploy/web/deploy.yaml': deployment('web') });
    const head = repo.commit({ 'deploy/web/deploy.yaml': deployment('web', { replicas: 4 }) });
    const { status, stderr } = await review(base, head);
    expect(status).toBe(2);
    expect(stderr).toBe('safe-deploy: policies/owner.yaml: ValidatingAdmissionPolicy require-owner does not compile: validations[0]: undeclared function nope() in "object.metadata.labels.owner.nope()"\n');
  });

  it('name a missing policies.custom path', async () => {
    const base = repo.commit({ '.safe-deploy.yml': 'policies:\n  custom: [nowhere]\n', 'deploy/web/deploy.yaml': deployment('web') });
    expect((await review(base, base)).stderr).toBe('safe-deploy: .safe-deploy.yml: policies.custom: nowhere is not in the base revision\n');
  });
});

describe('cluster policies in the repository', () => {
  it('say the cluster would deny a change, and flag a policy the API server would reject', async () => {
    const base = repo.commit({ 'platform/owner.yaml': ownerPolicy(), 'deploy/web/deploy.yaml': deployment('web') });
    const head = repo.commit({ 'deploy/web/deploy.yaml': deployment('web', { replicas: 4 }), 'platform/broken.yaml': ownerPolicy('object.x ==').replace('require-owner', 'broken') });
    const { json } = await review(base, head);
    const findings = json.findings.map((f: { rule: string; message: string }) => `${f.rule}: ${f.message}`);
    expect(findings).toContain('policy:require-owner: enforced by the cluster: every Deployment needs an owner label');
    expect(findings.find((f: string) => f.startsWith('policy:broken:'))).toMatch(/^policy:broken: the API server would reject this policy: ValidatingAdmissionPolicy broken does not compile: validations\[0\]: syntax error/);
  });
});
