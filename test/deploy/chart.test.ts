// The Helm chart in deploy/helm/safe-deploy, with the repository's own helm binary:
// it lints, renders what its values say (expectations written by hand), and
// safe-deploy's review of it finds nothing to block.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { findTool } from '../../src/render/tools.js';
import { cli } from '../helpers/cli.js';
import { TestRepo } from '../helpers/git-repo.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CHART = join(ROOT, 'deploy/helm/safe-deploy');
const EVERYTHING_ON = join(CHART, 'ci/everything-on-values.yaml');
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

// A loose view of rendered objects: the assertions say what each field must be.
type Obj = Record<string, any>;

let helm: string;
beforeAll(async () => {
  helm = (await findTool('helm')).command;
});

function runHelm(args: string[]): { status: number | null; out: string } {
  const result = spawnSync(helm, args, { encoding: 'utf8' });
  return { status: result.status, out: `${result.stdout}${result.stderr}` };
}

/** `helm template rel CHART` with `--set` pairs (and value files), parsed. */
function render(set: string[] = [], files: string[] = []): Obj[] {
  const args = ['template', 'rel', CHART, '--namespace', 'bots', ...files.flatMap((f) => ['-f', f]), ...set.flatMap((s) => ['--set', s])];
  const { status, out } = runHelm(args);
  expect(status, out).toBe(0);
  return parseAllDocuments(out)
    .map((d) => d.toJS() as Obj | null)
    .filter((o): o is Obj => o !== null);
}

const find = (objects: Obj[], kind: string, name: string): Obj => {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  expect(found, `${kind} ${name} in ${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}`).toBeDefined();
  return found!;
};
const names = (objects: Obj[], kind: string) => objects.filter((o) => o.kind === kind).map((o) => o.metadata.name as string).sort();
const container = (deployment: Obj): Obj => deployment.spec.template.spec.containers[0];
const env = (deployment: Obj): Record<string, Obj> => Object.fromEntries(container(deployment).env.map((e: Obj) => [e.name, e]));

describe('helm lint', () => {
  it('passes with the default values and with every option on', () => {
    for (const files of [[], ['-f', EVERYTHING_ON]]) {
      const { status, out } = runHelm(['lint', '--strict', CHART, ...files]);
      expect(status, out).toBe(0);
      expect(out).toContain('1 chart(s) linted, 0 chart(s) failed');
    }
  });

  it('validates values with values.schema.json', () => {
    const { status, out } = runHelm(['lint', CHART, '--set', 'web.replicaz=3', '--set', 'logLevel=loud']);
    expect(status).not.toBe(0);
    expect(out).toContain("additional properties 'replicaz' not allowed");
    expect(out).toContain("value must be one of 'trace', 'debug', 'info', 'warn', 'error', 'fatal'");
  });
});

describe('helm template', () => {
  it('durable mode on the bundled Redis: web and worker Deployments, autoscaled workers, budgets, a hardened pod', () => {
    const objects = render();
    expect(names(objects, 'Deployment')).toEqual(['rel-safe-deploy-web', 'rel-safe-deploy-worker']);
    const web = find(objects, 'Deployment', 'rel-safe-deploy-web');
    const worker = find(objects, 'Deployment', 'rel-safe-deploy-worker');
    expect(container(web).args).toEqual(['serve', '--role', 'web']);
    expect(container(worker).args).toEqual(['serve', '--role', 'worker']);
    expect(web.spec.replicas).toBe(2);
    expect(worker.spec).not.toHaveProperty('replicas');
    expect(find(objects, 'HorizontalPodAutoscaler', 'rel-safe-deploy-worker').spec).toMatchObject({
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'rel-safe-deploy-worker' },
      minReplicas: 2,
      maxReplicas: 10,
    });
    for (const [name, component] of [['rel-safe-deploy-web', 'web'], ['rel-safe-deploy-worker', 'worker']]) {
      expect(find(objects, 'PodDisruptionBudget', name!).spec).toEqual({
        maxUnavailable: 1,
        selector: { matchLabels: { 'app.kubernetes.io/name': 'safe-deploy', 'app.kubernetes.io/instance': 'rel', 'app.kubernetes.io/component': component } },
      });
    }
    expect(find(objects, 'Service', 'rel-safe-deploy').spec.selector).toEqual({
      'app.kubernetes.io/name': 'safe-deploy',
      'app.kubernetes.io/instance': 'rel',
      'app.kubernetes.io/component': 'web',
    });

    // The image is the safe-deploy release the chart is for.
    expect(container(web).image).toBe(`safe-deploy:${VERSION}`);
    expect(container(web).ports).toEqual([{ name: 'http', containerPort: 3000 }]);
    expect(container(web).readinessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(container(web).livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(container(worker).resources).toEqual({ requests: { cpu: '1', memory: '1Gi' }, limits: { memory: '2Gi' } });

    const pod = web.spec.template.spec;
    expect(pod.securityContext).toEqual({ runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, fsGroup: 10001, seccompProfile: { type: 'RuntimeDefault' } });
    expect(container(web).securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.volumes).toEqual([
      { name: 'cache', emptyDir: { sizeLimit: '10Gi' } },
      { name: 'tmp', emptyDir: { sizeLimit: '2Gi' } },
      { name: 'github-key', secret: { secretName: 'safe-deploy-github', defaultMode: 0o440, items: [{ key: 'private-key.pem', path: 'private-key.pem' }] } },
    ]);
    expect(container(web).volumeMounts.map((m: Obj) => m.mountPath)).toEqual(['/var/cache/safe-deploy', '/tmp', '/etc/safe-deploy/github']);
    expect(pod.topologySpreadConstraints.map((c: Obj) => c.topologyKey)).toEqual(['kubernetes.io/hostname', 'topology.kubernetes.io/zone']);

    // Secrets come from Secrets; Redis's password from the subchart's generated one.
    const vars = env(worker);
    expect(vars.APP_ID).toEqual({ name: 'APP_ID', valueFrom: { secretKeyRef: { name: 'safe-deploy-github', key: 'app-id' } } });
    expect(vars.WEBHOOK_SECRET!.valueFrom).toEqual({ secretKeyRef: { name: 'safe-deploy-github', key: 'webhook-secret' } });
    expect(vars.PRIVATE_KEY_PATH!.value).toBe('/etc/safe-deploy/github/private-key.pem');
    expect(vars.SAFE_DEPLOY_CACHE_DIR!.value).toBe('/var/cache/safe-deploy');
    expect(vars.SAFE_DEPLOY_RENDER_USER!.value).toBe('');
    expect(vars.REDIS_PASSWORD!.valueFrom).toEqual({ secretKeyRef: { name: 'rel-redis', key: 'redis-password' } });
    expect(vars.REDIS_URL!.value).toBe('redis://:$(REDIS_PASSWORD)@rel-redis:6379/0');
    expect(Object.keys(vars)).not.toContain('GITLAB_TOKEN');
    expect(Object.keys(vars)).not.toContain('SAFE_DEPLOY_IN_CLUSTER');
    expect(objects.filter((o) => o.kind === 'ClusterRole' || o.kind === 'ValidatingAdmissionPolicy')).toEqual([]);
  });

  it('the bundled Redis: a non-root StatefulSet of the official image pinned by tag and digest, with probes and a volume', () => {
    const objects = render(['redis.enabled=true']);
    const redis = find(objects, 'StatefulSet', 'rel-redis');
    const pod = redis.spec.template.spec;
    const [server] = pod.containers;
    expect(server.image).toBe('docker.io/library/redis:8.10.2-alpine@sha256:72cedd9603038893af961e90ac5e1a1a0d8377d5e338dbdad8fe284ea25de18f');
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 999, seccompProfile: { type: 'RuntimeDefault' } });
    expect(server.securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    expect(server.readinessProbe.exec.command.join(' ')).toContain('redis-cli -h 127.0.0.1 ping');
    expect(server.livenessProbe.tcpSocket).toEqual({ port: 'redis' });
    expect(server.resources).toEqual({ requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '512Mi' } });
    expect(server.args[0]).toContain('maxmemory-policy noeviction');
    expect(server.args[0]).toContain('appendonly yes');
    expect(server.args[0]).not.toMatch(/--requirepass/);
    expect(redis.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('2Gi');
    const secret = find(objects, 'Secret', 'rel-redis');
    expect(secret.metadata.annotations['helm.sh/resource-policy']).toBe('keep');
    expect(Buffer.from(secret.data['redis-password'], 'base64').toString()).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(find(objects, 'Service', 'rel-redis').spec.ports).toEqual([{ name: 'redis', port: 6379, targetPort: 'redis' }]);
  });

  it('an external Redis: REDIS_URL from the value or from a Secret, and no Redis of its own', () => {
    const objects = render(['redis.enabled=false', 'externalRedis.url=redis://queue.internal:6379/2']);
    expect(names(objects, 'StatefulSet')).toEqual([]);
    expect(names(objects, 'Secret')).toEqual([]);
    expect(names(objects, 'Deployment')).toEqual(['rel-safe-deploy-web', 'rel-safe-deploy-worker']);
    for (const deployment of objects.filter((o) => o.kind === 'Deployment')) {
      expect(env(deployment).REDIS_URL).toEqual({ name: 'REDIS_URL', value: 'redis://queue.internal:6379/2' });
      expect(env(deployment)).not.toHaveProperty('REDIS_PASSWORD');
      expect(deployment.spec.template.metadata.labels).not.toHaveProperty('safe-deploy.dev/redis-client');
    }

    const fromSecret = render(['redis.enabled=false', 'externalRedis.existingSecret=queue-credentials']);
    expect(env(find(fromSecret, 'Deployment', 'rel-safe-deploy-worker')).REDIS_URL!.valueFrom).toEqual({
      secretKeyRef: { name: 'queue-credentials', key: 'redis-url' },
    });
  });

  it('refuses the bundled and an external Redis at once', () => {
    const { status, out } = runHelm(['template', 'rel', CHART, '--set', 'redis.enabled=true', '--set', 'externalRedis.url=redis://queue.internal:6379']);
    expect(status).not.toBe(0);
    expect(out).toContain('redis.enabled and externalRedis are both set');
  });

  it('durable mode off: one in-memory server, --role all, one replica, no autoscaler or budgets', () => {
    const objects = render(['redis.enabled=false']);
    expect(names(objects, 'Deployment')).toEqual(['rel-safe-deploy']);
    const server = find(objects, 'Deployment', 'rel-safe-deploy');
    expect(container(server).args).toEqual(['serve', '--role', 'all']);
    expect(server.spec.replicas).toBe(1);
    expect(env(server)).not.toHaveProperty('REDIS_URL');
    expect(objects.map((o) => o.kind)).not.toContain('HorizontalPodAutoscaler');
    expect(objects.map((o) => o.kind)).not.toContain('PodDisruptionBudget');
    expect(objects.map((o) => o.kind)).not.toContain('StatefulSet');
    expect(find(objects, 'Service', 'rel-safe-deploy').spec.selector['app.kubernetes.io/component']).toBe('all');
    expect(names(objects, 'NetworkPolicy')).toEqual(['rel-safe-deploy-all']);
  });

  it('live mode in the cluster: the ClusterRole and binding, the dry-run-only admission policy, SAFE_DEPLOY_IN_CLUSTER', () => {
    const objects = render(['live.inCluster.enabled=true']);
    const role = find(objects, 'ClusterRole', 'bots-rel-safe-deploy-live');
    const grants = role.rules.flatMap((r: Obj) => [...r.apiGroups, ...r.resources, ...r.verbs]);
    expect(grants).not.toContain('*');
    expect(role.rules).toContainEqual({ apiGroups: ['apps'], resources: ['deployments', 'statefulsets', 'daemonsets'], verbs: ['get', 'list', 'patch', 'create'] });
    expect(find(objects, 'ClusterRoleBinding', 'bots-rel-safe-deploy-live')).toMatchObject({
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'bots-rel-safe-deploy-live' },
      subjects: [{ kind: 'ServiceAccount', name: 'rel-safe-deploy', namespace: 'bots' }],
    });
    const policy = find(objects, 'ValidatingAdmissionPolicy', 'bots-rel-safe-deploy-dry-run-only');
    expect(policy.spec.failurePolicy).toBe('Fail');
    expect(policy.spec.matchConstraints.resourceRules).toEqual([
      { apiGroups: ['*'], apiVersions: ['*'], operations: ['CREATE', 'UPDATE', 'DELETE', 'CONNECT'], resources: ['*'] },
    ]);
    expect(policy.spec.matchConditions[0].expression).toContain('request.userInfo.username == "system:serviceaccount:bots:rel-safe-deploy"');
    expect(policy.spec.validations).toEqual([{ expression: 'request.dryRun == true', message: 'safe-deploy may only send dry-run requests' }]);
    expect(find(objects, 'ValidatingAdmissionPolicyBinding', 'bots-rel-safe-deploy-dry-run-only').spec).toEqual({
      policyName: 'bots-rel-safe-deploy-dry-run-only',
      validationActions: ['Deny'],
    });
    for (const deployment of objects.filter((o) => o.kind === 'Deployment')) {
      expect(env(deployment).SAFE_DEPLOY_IN_CLUSTER!.value).toBe('true');
      expect(deployment.spec.template.spec.automountServiceAccountToken).toBe(true);
    }
  });

  it('NetworkPolicy: in on the web port; out to DNS, the code host and Redis only, plus the API servers in live mode', () => {
    const dns = {
      to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
      ports: [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }],
    };
    const forge = { to: [{ ipBlock: { cidr: '0.0.0.0/0' } }], ports: [{ port: 443, protocol: 'TCP' }] };
    const bundledRedis = {
      to: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'redis', 'app.kubernetes.io/instance': 'rel' } } }],
      ports: [{ port: 6379, protocol: 'TCP' }],
    };

    const objects = render(['redis.enabled=true']);
    const web = find(objects, 'NetworkPolicy', 'rel-safe-deploy-web');
    expect(web.spec.podSelector.matchLabels['app.kubernetes.io/component']).toBe('web');
    expect(web.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(web.spec.ingress).toEqual([{ ports: [{ port: 'http', protocol: 'TCP' }] }]);
    expect(web.spec.egress).toEqual([dns, forge, bundledRedis]);
    expect(find(objects, 'NetworkPolicy', 'rel-safe-deploy-worker').spec.egress).toEqual([dns, forge, bundledRedis]);
    // Redis admits the bot's pods, which carry the client label.
    expect(find(objects, 'NetworkPolicy', 'rel-redis').spec.ingress).toEqual([
      { from: [{ podSelector: { matchLabels: { 'app.kubernetes.io/instance': 'rel', 'safe-deploy.dev/redis-client': 'true' } } }], ports: [{ port: 6379, protocol: 'TCP' }] },
    ]);
    expect(find(objects, 'Deployment', 'rel-safe-deploy-worker').spec.template.metadata.labels['safe-deploy.dev/redis-client']).toBe('true');

    const external = render(['redis.enabled=false', 'externalRedis.url=redis://queue.internal:6380', 'externalRedis.port=6380', 'externalRedis.cidrs={10.1.2.0/24}', 'live.kubeconfigSecret=kubeconfigs']);
    expect(find(external, 'NetworkPolicy', 'rel-safe-deploy-worker').spec.egress).toEqual([
      dns,
      forge,
      { ports: [{ port: 6380, protocol: 'TCP' }], to: [{ ipBlock: { cidr: '10.1.2.0/24' } }] },
      { to: [{ ipBlock: { cidr: '0.0.0.0/0' } }], ports: [{ port: 443, protocol: 'TCP' }, { port: 6443, protocol: 'TCP' }] },
    ]);

    const all = render([], [EVERYTHING_ON]);
    const webAll = find(all, 'NetworkPolicy', 'rel-safe-deploy-web').spec;
    expect(webAll.ingress).toEqual([{ ports: [{ port: 'http', protocol: 'TCP' }], from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } }] }]);
    expect(webAll.egress.map((rule: Obj) => rule.ports.map((p: Obj) => `${p.port}/${p.protocol}`).join(','))).toEqual(['53/UDP,53/TCP', '443/TCP', '6379/TCP', '6443/TCP']);
  });

  it('every option on: image by digest, GitLab, the record key, an Ingress of the webhooks only, kubeconfigs', () => {
    const objects = render([], [EVERYTHING_ON]);
    const worker = find(objects, 'Deployment', 'rel-safe-deploy-worker');
    expect(container(worker).image).toBe(`registry.example.com/platform/safe-deploy:${VERSION}@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef`);
    const vars = env(worker);
    expect(vars.GITLAB_URL!.value).toBe('https://gitlab.example.com');
    expect(vars.GITLAB_TOKEN!.valueFrom).toEqual({ secretKeyRef: { name: 'safe-deploy-gitlab', key: 'token' } });
    expect(vars.GITLAB_WEBHOOK_SECRET!.valueFrom).toEqual({ secretKeyRef: { name: 'safe-deploy-gitlab', key: 'webhook-secret' } });
    expect(vars.SAFE_DEPLOY_RECORD_KEY!.valueFrom).toEqual({ secretKeyRef: { name: 'safe-deploy-record-key', key: 'record-key' } });
    expect(vars.GHE_HOST!.value).toBe('github.example.com');
    expect(vars.SAFE_DEPLOY_KUBECONFIG_DIR!.value).toBe('/etc/safe-deploy/kubeconfigs');
    expect(vars.REDIS_PASSWORD!.valueFrom).toEqual({ secretKeyRef: { name: 'safe-deploy-redis', key: 'redis-password' } });
    expect(vars.SAFE_DEPLOY_API_TIMEOUT_SECONDS!.value).toBe('45');
    expect(worker.spec.template.spec.volumes).toContainEqual({ name: 'kubeconfigs', secret: { secretName: 'safe-deploy-kubeconfigs', defaultMode: 0o440 } });
    expect(names(objects, 'Secret')).toEqual([]);
    const ingress = find(objects, 'Ingress', 'rel-safe-deploy').spec;
    expect(ingress.tls).toEqual([{ hosts: ['safe-deploy.example.com'], secretName: 'safe-deploy-tls' }]);
    expect(ingress.rules[0].http.paths.map((p: Obj) => `${p.pathType} ${p.path}`)).toEqual(['Exact /api/github/webhooks', 'Exact /api/gitlab/webhooks']);
    expect(find(objects, 'StatefulSet', 'rel-redis').spec.volumeClaimTemplates[0].spec.storageClassName).toBe('fast-ssd');
  });
});

describe("safe-deploy's review of the chart", () => {
  let repo: TestRepo;
  afterEach(() => repo.dispose());

  function chartFiles(): Record<string, string> {
    const files: Record<string, string> = {};
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir)) {
        const full = join(dir, entry);
        if (statSync(full).isDirectory()) walk(full);
        else files[join('deploy/helm/safe-deploy', relative(CHART, full))] = readFileSync(full, 'utf8');
      }
    };
    walk(CHART);
    return files;
  }

  it('finds no error, and no warning but the Ingress host it adds, with the default values, every option on and in-memory', async () => {
    repo = new TestRepo();
    const base = repo.commit({
      '.safe-deploy.yml': `targets:
  - { name: chart, path: deploy/helm/safe-deploy }
  - { name: everything-on, path: deploy/helm/safe-deploy, helm: { valueFiles: [ci/everything-on-values.yaml] } }
  - { name: in-memory, path: deploy/helm/safe-deploy, helm: { values: { redis: { enabled: false } } } }
`,
    });
    const head = repo.commit(chartFiles());
    const { stdout, stderr } = await cli(['review', '--repo', repo.dir, '--base', base, '--head', head, '--format', 'json']);
    const review = JSON.parse(stdout) as { targets: Array<{ name: string; error?: string; changes: unknown[] }>; findings: Array<{ severity: string; rule: string; target: string; message: string }> };
    expect(review.targets.map((t) => [t.name, t.error, t.changes.length]), stderr).toEqual([
      ['chart', undefined, 14],
      ['everything-on', undefined, 18],
      ['in-memory', undefined, 4],
    ]);
    const errors = review.findings.filter((f) => f.severity === 'error');
    expect(errors, JSON.stringify(errors, null, 2)).toEqual([]);
    const warnings = review.findings.filter((f) => f.severity === 'warning');
    expect(warnings.map((f) => `${f.target} ${f.rule}`), JSON.stringify(warnings, null, 2)).toEqual(['everything-on service-exposure-changed']);
  });
});
