// Findings that judge the change: a finding that already held at base is
// inherited, listed apart and (by default) not counted for the verdict.
// Expected values are written by hand from the manifests of each repository.
import { afterEach, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { TestRepo } from '../helpers/git-repo.js';
import { reviewJson } from '../helpers/gitops.js';

let repo: TestRepo;
afterEach(() => repo?.dispose());

interface ReviewJson {
  verdict: string;
  resolved?: number;
  findings: Array<{ rule: string; namespace?: string | null; name?: string; message: string; introduced: boolean }>;
}

/** A Deployment that passes every static rule but those its `container` and `init` lines provoke. */
const deployment = (name: string, container: string, init = '') => `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}}
spec:
  replicas: 2
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      securityContext: {runAsNonRoot: true}
${init}      containers:
        - name: app
          readinessProbe: {httpGet: {path: /ready, port: 8080}}
          resources: {requests: {cpu: 100m, memory: 64Mi}, limits: {memory: 128Mi}}
${container}`;

const payments = (paypal: string, password = '          - {name: DB_PASSWORD, value: hunter2}\n') =>
  deployment('payments', `          image: registry.example.com/payments:1.0.0\n          env:\n${password}          - {name: PAYPAL_URL, value: ${paypal}}\n`);

const summary = (json: ReviewJson) => json.findings.map((f) => `${f.rule} ${f.introduced ? 'introduced' : 'inherited'}: ${f.message}`);

/** Two commits; `markdown` runs the review as the comment is written. */
function review(base: Record<string, string>, head: Record<string, string | null>) {
  repo = new TestRepo();
  const from = repo.commit(base);
  const to = repo.commit(head);
  return { from, to, markdown: () => cli(['review', '--repo', repo.dir, '--base', from, '--head', to, '--format', 'markdown']) };
}

describe('introduced and inherited findings', () => {
  it('a literal DB_PASSWORD that has been there for years does not block a PAYPAL_URL change; it is listed as already present', async () => {
    const { from, to, markdown } = await review({ 'deploy/payments.yaml': payments('https://api.paypal.com') }, { 'deploy/payments.yaml': payments('https://api-m.paypal.com') });
    const json = await reviewJson<ReviewJson>(repo, from, to);
    expect(json.verdict).toBe('pass');
    expect(summary(json)).toEqual(['secret-in-env inherited: container app of Deployment payments sets DB_PASSWORD to a literal value.']);
    const comment = await markdown();
    expect(comment.status).toBe(0);
    expect(comment.stdout).toContain('## ✅ safe-deploy: safe to merge');
    expect(comment.stdout).toContain('1 updated · 0 replaced · 0 deleted** in 1 target · 1 already present');
    expect(comment.stdout).not.toContain('### Findings');
    expect(comment.stdout).toMatch(/<details><summary>Already present before this change \(1\)<\/summary>[\s\S]*<code>secret-in-env<\/code>[\s\S]*<\/details>/);
  });

  it('bumping an image next to an unchanged busybox:latest init container passes, the init container inherited', async () => {
    const init = '      initContainers:\n        - {name: wait, image: busybox:latest, command: [sh, -c, "true"]}\n';
    const server = (tag: string) => deployment('argocd-server', `          image: quay.io/argoproj/argocd:${tag}\n`, init);
    const { from, to } = await review({ 'argocd/server.yaml': server('v2.13.0') }, { 'argocd/server.yaml': server('v2.13.1') });
    const json = await reviewJson<ReviewJson>(repo, from, to);
    expect(json.verdict).toBe('pass');
    expect(summary(json)).toEqual(['image-tag-mutable inherited: init container wait of Deployment argocd-server uses busybox:latest.']);
  });

  it('a new secret next to the old one is introduced and blocks', async () => {
    const both = '          - {name: DB_PASSWORD, value: hunter2}\n          - {name: API_TOKEN, value: t0k3n}\n';
    const { from, to } = await review({ 'deploy/payments.yaml': payments('https://a') }, { 'deploy/payments.yaml': payments('https://a', both) });
    const json = await reviewJson<ReviewJson>(repo, from, to);
    expect(json.verdict).toBe('fail');
    expect(summary(json)).toEqual([
      'secret-in-env inherited: container app of Deployment payments sets DB_PASSWORD to a literal value.',
      'secret-in-env introduced: container app of Deployment payments sets API_TOKEN to a literal value.',
    ]);
  });

  it('a new literal value for an old secret variable is a new secret in the history: introduced', async () => {
    const rotated = '          - {name: DB_PASSWORD, value: correct-horse}\n';
    const { from, to } = await review({ 'deploy/payments.yaml': payments('https://a') }, { 'deploy/payments.yaml': payments('https://a', rotated) });
    const json = await reviewJson<ReviewJson>(repo, from, to);
    expect(json.verdict).toBe('fail');
    expect(summary(json)).toEqual(['secret-in-env introduced: container app of Deployment payments sets DB_PASSWORD to a literal value.']);
    expect(json.resolved).toBe(1);
  });

  it('another image on a mutable tag in the same container is introduced', async () => {
    const web = (image: string) => deployment('web', `          image: ${image}\n`);
    const { from, to } = await review({ 'deploy/web.yaml': web('nginx:latest') }, { 'deploy/web.yaml': web('ghcr.io/example/proxy:latest') });
    const json = await reviewJson<ReviewJson>(repo, from, to);
    expect(json.verdict).toBe('fail');
    expect(summary(json)).toEqual(['image-tag-mutable introduced: container app of Deployment web uses ghcr.io/example/proxy:latest.']);
  });

  it('a finding the change fixes is counted as resolved', async () => {
    const fromSecret = '          - {name: DB_PASSWORD, valueFrom: {secretKeyRef: {name: db, key: password}}}\n';
    const { from, to, markdown } = await review({ 'deploy/payments.yaml': payments('https://a') }, { 'deploy/payments.yaml': payments('https://a', fromSecret) });
    const json = await reviewJson<ReviewJson>(repo, from, to);
    expect(json).toMatchObject({ verdict: 'pass', findings: [], resolved: 1 });
    expect((await markdown()).stdout).toContain('1 updated · 0 replaced · 0 deleted** in 1 target · 1 resolved');
  });

  it('an object kustomize moves to another namespace keeps its old finding inherited', async () => {
    const web = deployment('web', '          image: nginx:latest\n');
    const kustomization = (namespace: string) => `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: ${namespace}\nresources: [web.yaml]\n`;
    const { from, to } = await review({ 'apps/web/web.yaml': web, 'apps/web/kustomization.yaml': kustomization('shop') }, { 'apps/web/kustomization.yaml': kustomization('shop-v2') });
    const json = await reviewJson<ReviewJson>(repo, from, to);
    const image = json.findings.filter((f) => f.rule === 'image-tag-mutable');
    expect(image).toEqual([expect.objectContaining({ namespace: 'shop-v2', name: 'web', introduced: false, message: 'container app of Deployment web uses nginx:latest.' })]);
  });

  it('policies.blockOn: all fails on an inherited error', async () => {
    const config = 'policies:\n  blockOn: all\n';
    const { from, to, markdown } = await review(
      { '.safe-deploy.yml': config, 'deploy/payments.yaml': payments('https://api.paypal.com') },
      { 'deploy/payments.yaml': payments('https://api-m.paypal.com') },
    );
    const json = await reviewJson<ReviewJson>(repo, from, to);
    expect(json.verdict).toBe('fail');
    expect(summary(json)).toEqual(['secret-in-env inherited: container app of Deployment payments sets DB_PASSWORD to a literal value.']);
    const comment = await markdown();
    expect(comment.status).toBe(1);
    expect(comment.stdout).toContain('## ❌ safe-deploy: this merge is blocked');
    expect(comment.stdout).toContain('in 1 target · 1 error · 1 already present');
  });
  it('a second host namespace, a capability or a hostPath added next to an old one is introduced: each is a finding of its own', async () => {
    const agent = (hostPID: boolean, caps: string, extraVolume: boolean) =>
      deployment('agent', `          image: registry.example.com/agent:1.0.0\n          securityContext: {capabilities: {add: [${caps}]}}\n`).replace(
        '      securityContext: {runAsNonRoot: true}\n',
        `      securityContext: {runAsNonRoot: true}\n      hostNetwork: true\n${hostPID ? '      hostPID: true\n' : ''}      volumes:\n        - {name: logs, hostPath: {path: /var/log}}\n${extraVolume ? '        - {name: sock, hostPath: {path: /var/run/docker.sock}}\n' : ''}`,
      );
    const { from, to } = await review({ 'deploy/agent.yaml': agent(false, 'NET_ADMIN', false) }, { 'deploy/agent.yaml': agent(true, 'NET_ADMIN, SYS_ADMIN', true) });
    const json = await reviewJson<ReviewJson>(repo, from, to);
    expect(json.verdict).toBe('fail');
    expect(summary(json).filter((line) => /host-|privileged/.test(line)).sort()).toEqual([
      'host-namespace inherited: Deployment agent sets hostNetwork.',
      'host-namespace introduced: Deployment agent sets hostPID.',
      'host-path inherited: Deployment agent mounts hostPath logs (/var/log).',
      'host-path introduced: Deployment agent mounts hostPath sock (/var/run/docker.sock).',
      'privileged-container inherited: container app of Deployment agent adds capability NET_ADMIN.',
      'privileged-container introduced: container app of Deployment agent adds capability SYS_ADMIN.',
    ]);
  });

  describe('custom admission policies follow the same split', () => {
    const policy = (name: string, resources: string, expression: string, message: string, operations = '[CREATE, UPDATE]') => `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: ${name}}
spec:
  matchConstraints:
    resourceRules:
      - {apiGroups: ["*"], apiVersions: ["*"], operations: ${operations}, resources: [${resources}]}
  validations:
    - expression: "${expression}"
      message: ${message}
`;
    const teamLabel = policy('team-label', 'configmaps', "has(object.metadata.labels) && 'team' in object.metadata.labels", 'every ConfigMap needs a team label');
    const noScaleDown = policy('no-scale-down', 'deployments', 'object.spec.replicas >= oldObject.spec.replicas', 'replicas may not go down', '[UPDATE]');
    const config = 'policies:\n  custom: [policies]\n';
    const generated = (level: string) =>
      `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nconfigMapGenerator:\n  - name: app-config\n    literals: [LOG_LEVEL=${level}]\n`;

    it('a ConfigMap whose hash suffix changes keeps its old violation inherited', async () => {
      const { from, to } = await review(
        { '.safe-deploy.yml': config, 'policies/team.yaml': teamLabel, 'apps/config/kustomization.yaml': generated('info') },
        { 'apps/config/kustomization.yaml': generated('debug') },
      );
      const json = await reviewJson<ReviewJson>(repo, from, to);
      expect(json.verdict).toBe('pass');
      expect(json.findings).toEqual([expect.objectContaining({ rule: 'policy:team-label', kind: 'ConfigMap', name: expect.stringMatching(/^app-config-[a-z0-9]{10}$/), message: 'every ConfigMap needs a team label', introduced: false })]);
    });

    it('a rule on the transition (oldObject) is introduced by the change', async () => {
      const scaled = (replicas: number) => payments('https://a').replace('replicas: 2', `replicas: ${replicas}`);
      const { from, to } = await review({ '.safe-deploy.yml': config, 'policies/scale.yaml': noScaleDown, 'deploy/payments.yaml': scaled(4) }, { 'deploy/payments.yaml': scaled(3) });
      const json = await reviewJson<ReviewJson>(repo, from, to);
      expect(json.verdict).toBe('fail');
      expect(summary(json).filter((line) => line.startsWith('policy:'))).toEqual(['policy:no-scale-down introduced: replicas may not go down']);
    });

    it('a label added by the change resolves the old violation', async () => {
      const labelled = (labels: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings${labels}}\ndata: {LOG_LEVEL: info}\n`;
      const { from, to } = await review(
        { '.safe-deploy.yml': config, 'policies/team.yaml': teamLabel, 'deploy/settings.yaml': labelled('') },
        { 'deploy/settings.yaml': labelled(', labels: {team: payments}') },
      );
      expect(await reviewJson<ReviewJson>(repo, from, to)).toMatchObject({ verdict: 'pass', findings: [], resolved: 1 });
    });

    it('a policy the change deploys to the cluster is new: an old object it rejects is introduced', async () => {
      const labelled = (level: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {LOG_LEVEL: ${level}}\n`;
      const { from, to } = await review({ 'deploy/settings.yaml': labelled('info') }, { 'deploy/settings.yaml': labelled('debug'), 'cluster/team.yaml': teamLabel });
      const json = await reviewJson<ReviewJson>(repo, from, to);
      expect(json.verdict).toBe('fail');
      expect(summary(json).filter((line) => line.startsWith('policy:'))).toEqual([
        'policy:team-label introduced: enforced by the cluster: every ConfigMap needs a team label',
      ]);
    });
  });
});
