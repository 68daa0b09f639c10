import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nock from 'nock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { assertReadOnly } from '../../src/live/guard.js';
import { DEFAULT_LIVE_LIMITS, LiveError, openCluster, type ClusterSession } from '../../src/live/session.js';
import { FakeKubeApi, kubeconfigFor, status } from '../fakes/kube-api.js';
import { nockKubeApi } from '../fakes/kube-api-nock.js';
import { strictNock } from '../fakes/nock.js';

const SERVER = 'https://kube.test:6443';
strictNock();

let dir: string;
let kubeconfig: string;
let fake: FakeKubeApi;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sd-session-'));
  kubeconfig = join(dir, 'kubeconfig');
  await writeFile(kubeconfig, kubeconfigFor(SERVER));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

beforeEach(() => {
  fake = new FakeKubeApi();
  nockKubeApi(SERVER, fake);
});

const open = (limits = {}) => openCluster({ name: 'prod', kubeconfig }, { ...DEFAULT_LIVE_LIMITS, ...limits });
const web = { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: 'web' };
const deployment = (replicas: number) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'shop', labels: { app: 'web' } },
  spec: { replicas, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'shop:1.0' }] } } },
});
const namespace = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } };

async function rejected(session: ClusterSession, object: object) {
  const outcome = await session.dryRunApply(object as never, { fieldManager: 'kustomize-controller', force: true });
  if (outcome.ok) throw new Error('expected a rejection');
  return outcome.rejection;
}

describe('reading a cluster through the official client', () => {
  it('resolves kinds by discovery once per group-version, reads objects exactly, and answers null for a 404', async () => {
    fake.put(namespace).put(deployment(3));
    const session = await open();
    const live = await session.get(web);
    expect(live).toMatchObject({ spec: { replicas: 3, revisionHistoryLimit: 10 }, metadata: { resourceVersion: expect.any(String), creationTimestamp: '2026-01-01T00:00:00Z' } });
    // Dates stay strings and managedFields keep fieldsV1 as sent (no typed model in between).
    expect((live!.metadata as { managedFields: unknown[] }).managedFields[0]).toMatchObject({ manager: 'kubectl-client-side-apply', fieldsV1: { 'f:spec': { 'f:replicas': {} } } });
    expect(await session.get({ ...web, name: 'gone' })).toBeNull();
    expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /apis/apps/v1', 'GET /apis/apps/v1/namespaces/shop/deployments/web', 'GET /apis/apps/v1/namespaces/shop/deployments/gone']);
    expect(session.requests).toBe(3);
  });

  it('reads custom resources whose CRD the cluster serves, and names a kind it does not serve', async () => {
    fake.addKind({ group: 'example.com', version: 'v1', kind: 'Widget', plural: 'widgets', namespaced: true });
    const session = await open();
    expect(await session.get({ apiVersion: 'example.com/v1', kind: 'Widget', namespace: 'shop', name: 'w' })).toBeNull();
    expect(fake.requests.at(-1)?.path).toBe('/apis/example.com/v1/namespaces/shop/widgets/w');
    const error = await session.get({ apiVersion: 'other.io/v1', kind: 'Gadget', namespace: 'shop', name: 'g' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LiveError);
    expect((error as LiveError).reason).toBe('unknown-kind');
    expect((error as LiveError).message).toBe('cluster prod: the API server does not serve other.io/v1 Gadget');
    const sameGroup = await session.get({ apiVersion: 'example.com/v1', kind: 'Gizmo', namespace: 'shop', name: 'g' }).catch((e: unknown) => e);
    expect((sameGroup as LiveError).message).toBe('cluster prod: the API server does not serve example.com/v1 Gizmo');
  });

  it('lists by label selector, page by page, with apiVersion and kind on each item', async () => {
    fake.put(namespace);
    for (let i = 0; i < 7; i++) fake.put({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `c${i}`, namespace: 'shop', labels: { team: i % 2 ? 'a' : 'b' } }, data: {} });
    const session = await open();
    const items = await session.list('v1', 'ConfigMap', { namespace: 'shop', labelSelector: 'team=b' });
    expect(items.map((i) => (i.metadata as { name: string }).name)).toEqual(['c0', 'c2', 'c4', 'c6']);
    expect(items[0]).toMatchObject({ apiVersion: 'v1', kind: 'ConfigMap' });
    expect(fake.requests.filter((r) => r.path.endsWith('/configmaps')).map((r) => r.query.get('labelSelector'))).toEqual(['team=b']);
  });

  it("never lets a Secret's value out: data and last-applied are digests", async () => {
    const value = 'hunter2-live-value';
    fake.put(namespace).put({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'db', namespace: 'shop', annotations: { 'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify({ stringData: { password: value } }) } },
      stringData: { password: value },
    });
    const session = await open();
    const live = await session.get({ apiVersion: 'v1', kind: 'Secret', namespace: 'shop', name: 'db' });
    const listed = await session.list('v1', 'Secret', { namespace: 'shop' });
    for (const text of [JSON.stringify(live), JSON.stringify(listed)]) {
      expect(text).not.toContain(value);
      expect(text).not.toContain(Buffer.from(value).toString('base64'));
    }
    expect(live).toMatchObject({ data: { password: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) } });
  });
});

describe('the server-side apply dry-run', () => {
  it('sends an apply patch with dryRun=All, the field manager and force, and returns the stored form with defaults', async () => {
    fake.put(namespace).put(deployment(3));
    const session = await open();
    const outcome = await session.dryRunApply(deployment(5), { fieldManager: 'kustomize-controller', force: true });
    expect(outcome).toMatchObject({ ok: true, object: { spec: { replicas: 5, progressDeadlineSeconds: 600, template: { spec: { containers: [{ terminationMessagePath: '/dev/termination-log' }] } } } } });
    const patch = fake.requests.find((r) => r.method === 'PATCH')!;
    expect(patch.contentType).toBe('application/apply-patch+yaml');
    expect(Object.fromEntries(patch.query)).toEqual({ dryRun: 'All', fieldManager: 'kustomize-controller', force: 'true' });
    expect(patch.body).toEqual(deployment(5));
    // Nothing was stored.
    expect(await session.get(web)).toMatchObject({ spec: { replicas: 3 } });
    const unforced = await session.dryRunApply(deployment(5), { fieldManager: 'kubectl', force: false });
    expect(unforced.ok).toBe(true);
    expect(fake.requests.filter((r) => r.method === 'PATCH')[1]!.query.has('force')).toBe(false);
  });

  it('turns the refusals of the object into rejections with the API server message and causes', async () => {
    fake.put(namespace);
    const session = await open();
    fake.fault({ method: 'PATCH', path: /deployments\/web$/, times: 1, status: 422, body: status(422, 'Invalid', 'Deployment.apps "web" is invalid: spec.template.spec.containers[0].image: Required value', [{ field: 'spec.template.spec.containers[0].image', message: 'Required value' }, { field: 'spec.replicas', message: 'Invalid value: -1: must be greater than or equal to 0' }]) });
    expect(await rejected(session, deployment(-1))).toEqual({
      code: 422,
      reason: 'Invalid',
      message: 'Deployment.apps "web" is invalid: spec.template.spec.containers[0].image: Required value; spec.replicas: Invalid value: -1: must be greater than or equal to 0',
    });
    fake.fault({ method: 'PATCH', path: /deployments\/web$/, times: 1, status: 409, body: status(409, 'Conflict', 'Apply failed with 1 conflict: conflict with "kubectl-scale" using apps/v1: .spec.replicas') });
    expect(await rejected(session, deployment(2))).toMatchObject({ code: 409, reason: 'Conflict', message: expect.stringContaining('conflict with "kubectl-scale"') });
    fake.fault({ method: 'PATCH', path: /deployments\/web$/, times: 1, status: 403, body: status(403, 'Forbidden', 'admission webhook "validate.kyverno.svc" denied the request: image tag latest is not allowed') });
    expect(await rejected(session, deployment(2))).toMatchObject({ code: 403, message: expect.stringContaining('denied the request') });
    fake.fault({ method: 'PATCH', path: /deployments\/web$/, times: 1, status: 403, body: status(403, 'Forbidden', 'exceeded quota: compute, requested: requests.cpu=2, used: requests.cpu=9, limited: requests.cpu=10') });
    expect(await rejected(session, deployment(2))).toMatchObject({ code: 403, message: expect.stringContaining('exceeded quota') });
    // Its namespace does not exist: the caller decides.
    const elsewhere = { ...deployment(1), metadata: { name: 'web', namespace: 'new-ns' } };
    expect(await rejected(session, elsewhere)).toMatchObject({ code: 404, reason: 'NotFound', message: 'namespaces "new-ns" not found' });
  });

  it("makes RBAC's 403 a LiveError, not a rejection", async () => {
    fake.put(namespace);
    fake.fault({ method: 'PATCH', path: /deployments\/web$/, status: 403, body: status(403, 'Forbidden', 'deployments.apps "web" is forbidden: User "system:serviceaccount:safe-deploy:safe-deploy" cannot patch resource "deployments" in API group "apps" in the namespace "shop"') });
    const session = await open();
    const error = await session.dryRunApply(deployment(1), { fieldManager: 'kustomize-controller', force: true }).catch((e: unknown) => e);
    expect((error as LiveError).reason).toBe('forbidden');
    expect((error as LiveError).message).toMatch(/^cluster prod: forbidden \(dry-run PATCH apps\/v1 Deployment shop\/web\): .*cannot patch resource/);
  });
});

describe('bounds and faults', () => {
  it('waits out a 429 for its Retry-After, then succeeds', async () => {
    fake.put(namespace).put(deployment(1));
    fake.fault({ method: 'GET', path: /deployments\/web$/, times: 2, status: 429, headers: { 'retry-after': '1' }, body: status(429, 'TooManyRequests', 'Too many requests, please try again later.') });
    const session = await open();
    const started = Date.now();
    expect(await session.get(web)).toMatchObject({ spec: { replicas: 1 } });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
    expect(fake.requests.filter((r) => r.path.endsWith('/web'))).toHaveLength(3);
  });

  it('gives up on a slow answer after the request timeout, and on everything once the budget is spent', async () => {
    fake.put(namespace).put(deployment(1));
    fake.fault({ method: 'GET', path: /deployments\/web$/, delayMs: 400 });
    const session = await open({ requestTimeoutMs: 100, budgetMs: 300 });
    await expect(session.get(web)).rejects.toThrow(new LiveError('timeout', 'cluster prod: no answer within 0.1 s (GET apps/v1 Deployment shop/web)'));
    await new Promise((resolve) => setTimeout(resolve, 250));
    await expect(session.get({ ...web, name: 'other' })).rejects.toThrow('cluster prod: the time budget of 0.3 s is spent (GET apps/v1 Deployment shop/other)');
  });

  it('stops reading once the answers of one review pass its byte budget', async () => {
    fake.put(namespace);
    for (let i = 0; i < 40; i++) fake.put({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `c${i}`, namespace: 'shop' }, data: { blob: 'x'.repeat(400) } });
    const session = await open({ maxBytes: 4000 });
    const error = (await session.list('v1', 'ConfigMap', { namespace: 'shop' }).catch((e: unknown) => e)) as LiveError;
    expect(error.message).toBe('cluster prod: the answers over 4 KB in all (LIST v1 ConfigMap shop/*)');
  });

  it('names an unreachable cluster in one line', async () => {
    fake.fault({ path: /.*/, refuse: true });
    const session = await open();
    const error = (await session.get(web).catch((e: unknown) => e)) as LiveError;
    expect([error.reason, error.message]).toEqual(['unreachable', 'cluster prod: unreachable (ECONNREFUSED)']);
  });

  it('refuses names that would reach another path: a "/" (a subresource once decoded) or "%"', async () => {
    const session = await open();
    for (const name of ['x/proxy/admin', 'x%2Fproxy', '..']) {
      const error = (await session.get({ apiVersion: 'v1', kind: 'Service', namespace: 'shop', name }).catch((e: unknown) => e)) as LiveError;
      expect(error.message).toMatch(/cannot name an object/);
    }
    expect(fake.requests).toEqual([]);
  });

  it('follows no redirect: the request and its credentials never go to another host', async () => {
    fake.put(namespace).put(deployment(1));
    fake.fault({ path: /deployments\/web$/, status: 307, headers: { location: 'https://elsewhere.test:6443/apis/apps/v1/namespaces/shop/deployments/web' }, body: null });
    const session = await open();
    const error = (await session.dryRunApply(deployment(2), { fieldManager: 'kustomize-controller', force: true }).catch((e: unknown) => e)) as LiveError;
    expect([error.reason, error.message]).toEqual(['error', 'cluster prod: the API server answered with a redirect, which is not followed (dry-run PATCH apps/v1 Deployment shop/web)']);
    // strictNock fails the test if anything asked elsewhere.test.
  });

  it('names a kubeconfig that cannot be used', async () => {
    await expect(openCluster({ name: 'prod', kubeconfig: join(dir, 'missing') })).rejects.toThrow(`cluster prod: kubeconfig ${join(dir, 'missing')}: no such file`);
    await expect(openCluster({ name: 'prod', kubeconfig, context: 'other' })).rejects.toThrow(`cluster prod: no context "other" in kubeconfig ${kubeconfig}`);
  });
});

describe('never a write', () => {
  it('sends no request that could change the cluster, whatever it is asked', async () => {
    fake.put(namespace).put(deployment(3));
    const session = await open();
    await session.get(web);
    await session.list('apps/v1', 'Deployment', { namespace: 'shop' });
    await session.dryRunApply(deployment(4), { fieldManager: 'argocd-controller', force: true });
    await session.dryRunApply({ ...deployment(1), metadata: { name: 'new', namespace: 'shop' } }, { fieldManager: 'argocd-controller', force: false });
    expect(fake.requests.some((r) => r.method === 'PATCH')).toBe(true);
    expect(fake.writes()).toEqual([]);
    for (const request of fake.requests.filter((r) => r.method !== 'GET')) expect(request.query.getAll('dryRun')).toEqual(['All']);
  });

  it('refuses, before sending, any non-read without exactly dryRun=All, and any other host', () => {
    const ok = `${SERVER}/apis/apps/v1/namespaces/shop/deployments/web`;
    expect(() => assertReadOnly('GET', ok, SERVER)).not.toThrow();
    expect(() => assertReadOnly('PATCH', `${ok}?dryRun=All&fieldManager=x`, SERVER)).not.toThrow();
    for (const [method, url] of [
      ['DELETE', ok],
      ['POST', `${ok}?dryRun=all`],
      ['PUT', `${ok}?dryRun=`],
      ['PATCH', `${ok}?dryRun=All&dryRun=`],
      ['PATCH', `${ok}?dryrun=All`],
      ['patch', `${ok}?fieldManager=dryRun%3DAll`],
    ] as const) {
      expect(() => assertReadOnly(method, url, SERVER), `${method} ${url}`).toThrow(/only dry-run requests/);
    }
    expect(() => assertReadOnly('GET', 'https://evil.test:6443/api/v1', SERVER)).toThrow(/not the cluster's API server/);
    // A name with an encoded "/" would reach a subresource (services/x/proxy/…) once the API server decodes it.
    expect(() => assertReadOnly('GET', `${SERVER}/api/v1/namespaces/shop/services/x%2Fproxy%2Fadmin`, SERVER)).toThrow(/an encoded path separator/);
    expect(() => assertReadOnly('PATCH', `${SERVER}/api/v1/namespaces/shop/services/x%2fproxy?dryRun=All`, SERVER)).toThrow(/an encoded path separator/);
    // An RBAC name with ":" stays allowed.
    expect(() => assertReadOnly('GET', `${SERVER}/apis/rbac.authorization.k8s.io/v1/clusterroles/system%3Aaggregate-to-edit`, SERVER)).not.toThrow();
    expect(() => assertReadOnly('GET', 'http://kube.test:6443/api/v1', SERVER)).toThrow(/not the cluster's API server/);
  });

  it("the guard sits in the client's own pipeline: a hand-made delete through it never reaches the server", async () => {
    fake.put(namespace).put(deployment(3));
    const { kubeConfigOf } = await import('../../src/live/connect.js');
    const { createConfiguration, KubernetesObjectApi, ServerConfiguration } = await import('@kubernetes/client-node');
    const { readOnlyGuard } = await import('../../src/live/guard.js');
    const api = new KubernetesObjectApi(createConfiguration({ baseServer: new ServerConfiguration(SERVER, {}), authMethods: { default: kubeConfigOf({ name: 'prod', kubeconfig }) }, promiseMiddleware: [readOnlyGuard(SERVER)] }));
    await expect(api.delete({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'shop' } })).rejects.toThrow(/refused DELETE/);
    await expect(api.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'shop' } })).rejects.toThrow(/refused POST/);
    expect(fake.requests.filter((r) => r.method !== 'GET')).toEqual([]);
  });
});

afterAll(() => nock.cleanAll());
