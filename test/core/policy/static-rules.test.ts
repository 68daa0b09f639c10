import { describe, expect, it } from 'vitest';
import { evaluate, goodDeployment } from './helpers.js';

const withContainer = (container: object) => goodDeployment('web', { container: container as never });
const withPod = (pod: object) => goodDeployment('web', { pod: pod as never });

describe('static rules', () => {
  it('pass a well-formed new Deployment', () => {
    expect(evaluate([], [goodDeployment('web')]).rules).toEqual([]);
  });

  it('judge only objects the change creates or changes (old debt never blocks)', () => {
    const debt = withContainer({ image: 'nginx' });
    expect(evaluate([debt, goodDeployment('api')], [debt, goodDeployment('api', { spec: { replicas: 4 } })]).rules).toEqual([]);
    expect(evaluate([debt], [{ ...debt, metadata: { ...(debt.metadata as object), labels: { touched: 'yes' } } }]).rules).toContain('image-tag-mutable');
  });

  it('image-tag-mutable: no tag or latest fires; a tag or a digest does not', () => {
    expect(evaluate([], [withContainer({ image: 'nginx' })]).of('image-tag-mutable')).toEqual(['container app of Deployment web uses nginx (no tag: latest).']);
    expect(evaluate([], [withContainer({ image: 'ghcr.io/x/nginx:latest' })]).rules).toEqual(['image-tag-mutable']);
    expect(evaluate([], [withContainer({ image: 'registry:5000/nginx:1.25.3' })]).rules).toEqual([]);
    expect(evaluate([], [withContainer({ image: 'nginx@sha256:0123456789abcdef' })]).rules).toEqual([]);
    expect(evaluate([], [withContainer({ image: 'registry:5000/nginx' })]).rules).toEqual(['image-tag-mutable']);
  });

  it('privileged-container: privileged or dangerous capabilities fire; NET_BIND_SERVICE does not', () => {
    expect(evaluate([], [withContainer({ securityContext: { privileged: true } })]).of('privileged-container')).toEqual(['container app of Deployment web is privileged.']);
    expect(evaluate([], [withContainer({ securityContext: { capabilities: { add: ['NET_BIND_SERVICE', 'CAP_SYS_ADMIN'] } } })]).of('privileged-container')).toEqual([
      'container app of Deployment web adds capability CAP_SYS_ADMIN.',
    ]);
    expect(evaluate([], [withContainer({ securityContext: { capabilities: { add: ['NET_BIND_SERVICE'] }, privileged: false } })]).rules).toEqual([]);
  });

  it('host-namespace and host-path fire on host access; emptyDir does not', () => {
    expect(evaluate([], [withPod({ hostNetwork: true, hostPID: true })]).of('host-namespace')).toEqual(['Deployment web sets hostNetwork.', 'Deployment web sets hostPID.']);
    expect(evaluate([], [withPod({ hostNetwork: false })]).rules).toEqual([]);
    expect(evaluate([], [withPod({ volumes: [{ name: 'sock', hostPath: { path: '/var/run/docker.sock' } }] })]).of('host-path')).toEqual([
      'Deployment web mounts hostPath sock (/var/run/docker.sock).',
    ]);
    expect(evaluate([], [withPod({ volumes: [{ name: 'tmp', emptyDir: {} }] })]).rules).toEqual([]);
  });

  it('secret-in-env: literal secret-like values fire without repeating the value; references and harmless names do not', () => {
    const run = evaluate([], [withContainer({ env: [{ name: 'DB_PASSWORD', value: 'hunter2' }, { name: 'API_KEY', value: 'abc' }, { name: 'LOG_LEVEL', value: 'info' }] })]);
    expect(run.of('secret-in-env')).toEqual(['container app of Deployment web sets DB_PASSWORD to a literal value.', 'container app of Deployment web sets API_KEY to a literal value.']);
    expect(JSON.stringify(run.findings)).not.toMatch(/hunter2|"abc"/);
    const fine = [
      { name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } },
      { name: 'PASSWORD_FILE', value: '/run/secrets/db' },
      { name: 'TOKEN_URL', value: 'https://auth.example.com/token' },
      { name: 'API_KEY', value: '' },
      { name: 'SECRET', value: '$(FROM_ANOTHER_VAR)' },
    ];
    expect(evaluate([], [withContainer({ env: fine })]).rules).toEqual([]);
  });

  it('selector-mismatch: a selector that misses the template labels fires; matchExpressions that match do not', () => {
    expect(evaluate([], [goodDeployment('web', { labels: { app: 'other' } })]).of('selector-mismatch')).toEqual([
      'Deployment web: spec.selector does not match the pod template labels.',
    ]);
    const expressions = goodDeployment('web', { spec: { selector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['web', 'api'] }] } } });
    expect(evaluate([], [expressions]).rules).toEqual([]);
  });

  it('resources-missing: names what is missing; init containers are not judged', () => {
    expect(evaluate([], [withContainer({ resources: { requests: { cpu: '1' } } })]).of('resources-missing')).toEqual([
      'container app of Deployment web has no requests.memory, limits.memory.',
    ]);
    expect(evaluate([], [withPod({ initContainers: [{ name: 'migrate', image: 'm:1.0.0' }] })]).rules).not.toContain('resources-missing');
  });

  it('probes-missing: long-running workloads only', () => {
    expect(evaluate([], [withContainer({ readinessProbe: undefined })]).of('probes-missing')).toEqual(['container app of Deployment web has no readinessProbe.']);
    const job = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'migrate' },
      spec: { template: { spec: { securityContext: { runAsNonRoot: true }, containers: [{ name: 'm', image: 'm:1.0.0', resources: { requests: { cpu: '1', memory: '1Gi' }, limits: { memory: '1Gi' } } }] } } },
    };
    expect(evaluate([], [job]).rules).toEqual([]);
  });

  it('run-as-root: a notice unless runAsNonRoot or a non-zero runAsUser is set', () => {
    const run = evaluate([], [withPod({ securityContext: {} })]);
    expect(run.findings.map((f) => [f.rule, f.severity])).toEqual([['run-as-root', 'notice']]);
    expect(evaluate([], [withPod({ securityContext: { runAsUser: 1000 } })]).rules).toEqual([]);
    const containerLevel = goodDeployment('web', { pod: { securityContext: {} }, container: { securityContext: { runAsNonRoot: true } } });
    expect(evaluate([], [containerLevel]).rules).toEqual([]);
    const rootUser = goodDeployment('web', { pod: { securityContext: { runAsNonRoot: true } }, container: { securityContext: { runAsUser: 0 } } });
    expect(evaluate([], [rootUser]).rules).toEqual(['run-as-root']);
  });

  it('api-removed and api-deprecated follow the target Kubernetes version', () => {
    const cron = (apiVersion: string) => ({ apiVersion, kind: 'CronJob', metadata: { name: 'nightly' }, spec: { schedule: '0 3 * * *' } });
    expect(evaluate([], [cron('batch/v1beta1')], {}, '1.24').findings.map((f) => [f.rule, f.severity])).toEqual([['api-deprecated', 'warning']]);
    expect(evaluate([], [cron('batch/v1beta1')], {}, '1.25').of('api-removed')).toEqual([
      'batch/v1beta1 CronJob was removed in Kubernetes 1.25; checked against Kubernetes 1.25; use batch/v1.',
    ]);
    expect(evaluate([], [cron('batch/v1beta1')]).of('api-removed')[0]).toContain('Kubernetes 1.36 (the target sets no kubernetesVersion)');
    expect(evaluate([], [cron('batch/v1')], {}, '1.25').rules).toEqual([]);
    expect(evaluate([], [cron('batch/v1beta1')], {}, '1.20').rules).toEqual([]);
  });
});
