// Red team of live mode (issue 17): a hostile merge request and a hostile cluster.
// Each test says what the attacker controls, what they try, and what must hold.
// The real @kubernetes/client-node runs against the fake API server behind nock
// (or, for byte-level tricks, a real HTTP server on 127.0.0.1).
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nock from 'nock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { driftOf } from '../../src/core/live/drift.js';
import { liveAccess, operatorLiveSpec } from '../../src/live/access.js';
import { kubeConfigOf } from '../../src/live/connect.js';
import { DEFAULT_LIVE_LIMITS, LiveError, openCluster, type LiveLimits } from '../../src/live/session.js';
import { FakeKubeApi, kubeconfigFor, status } from '../fakes/kube-api.js';
import { nockKubeApi } from '../fakes/kube-api-nock.js';
import { strictNock } from '../fakes/nock.js';

const SERVER = 'https://kube.test:6443';
strictNock({ loopback: true });

let dir: string;
let kubeconfig: string;
let fake: FakeKubeApi;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sd-red-live-'));
  kubeconfig = join(dir, 'kubeconfig');
  await writeFile(kubeconfig, kubeconfigFor(SERVER));
});
afterAll(async () => {
  nock.cleanAll();
  await rm(dir, { recursive: true, force: true });
});

const open = (limits: Partial<LiveLimits> = {}, file = kubeconfig) => openCluster({ name: 'prod', kubeconfig: file }, { ...DEFAULT_LIVE_LIMITS, ...limits });
const namespace = (name: string) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
const configMap = (ns: string, name: string, data: Record<string, string> = { a: 'b' }) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns }, data });

/** A real HTTP server on 127.0.0.1 whose every answer `handler` writes by hand. */
async function rawServer(handler: (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => void): Promise<{ url: string; kubeconfig: string; server: Server; hits: string[] }> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`);
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const file = join(dir, `kc-${(server.address() as AddressInfo).port}`);
  await writeFile(file, kubeconfigFor(url));
  return { url, kubeconfig: file, server, hits };
}

const CORE_DISCOVERY = JSON.stringify({ kind: 'APIResourceList', apiVersion: 'v1', groupVersion: 'v1', resources: [{ name: 'secrets', singularName: 'secret', namespaced: true, kind: 'Secret', verbs: ['get', 'list', 'patch'] }, { name: 'configmaps', singularName: 'configmap', namespaced: true, kind: 'ConfigMap', verbs: ['get', 'list', 'patch'] }] });

describe('a hostile or broken API server', () => {
  beforeEach(() => {
    fake = new FakeKubeApi();
    nockKubeApi(SERVER, fake);
  });

  // Attacker: the cluster, or a proxy in front of it, answers a Secret read with text that is not JSON.
  // Tries: to get the Secret's value into the review through the parser's error message.
  // Must hold: the one-line reason names the request, never a fragment of the answer.
  it('keeps a malformed Secret answer out of the reason line', async () => {
    const value = 'c3VwZXItc2VjcmV0LXZhbHVl'; // base64 of super-secret-value
    const body = `{"apiVersion":"v1","kind":"Secret","metadata":{"name":"db","namespace":"shop"},"data":{"password":${value}}}`;
    const { server, kubeconfig: file } = await rawServer((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }).end(req.url === '/api/v1' ? CORE_DISCOVERY : body);
    });
    try {
      const session = await open({}, file);
      const error = (await session.get({ apiVersion: 'v1', kind: 'Secret', namespace: 'shop', name: 'db' }).catch((e: unknown) => e)) as LiveError;
      expect(error).toBeInstanceOf(LiveError);
      expect(error.message).toContain('GET v1 Secret shop/db');
      for (const fragment of [value.slice(0, 8), 'password":c3', 'super-secret']) expect(error.message).not.toContain(fragment);
      session.close();
    } finally {
      server.close();
    }
  });

  // Attacker: the cluster answers every list page with a continue token (the same one, or new ones forever).
  // Tries: to keep the review listing, and accumulating items, until memory or the whole budget is gone.
  // Must hold: a list ends after a bounded number of pages; a repeated token ends it at once.
  it('stops listing when the API server keeps handing out continue tokens', async () => {
    let pages = 0;
    let fresh = false;
    const items = Array.from({ length: 500 }, (_, i) => ({ metadata: { name: `c${i}`, namespace: 'shop' }, data: { a: 'b' } }));
    const { server, kubeconfig: file } = await rawServer((req, res) => {
      if (req.url === '/api/v1') return void res.writeHead(200, { 'content-type': 'application/json' }).end(CORE_DISCOVERY);
      pages++;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ kind: 'ConfigMapList', apiVersion: 'v1', metadata: { continue: fresh ? `t${pages}` : 'again' }, items }));
    });
    try {
      const session = await open({ budgetMs: 20_000 }, file);
      const list = () => session.list('v1', 'ConfigMap', { namespace: 'shop' }).then((listed) => listed.length, (e: unknown) => e as LiveError);
      let started = Date.now();
      expect(await list()).toEqual(new LiveError('error', 'cluster prod: the list does not end (a continue token came twice) (LIST v1 ConfigMap shop/*)'));
      expect(pages).toBe(2);
      expect(Date.now() - started).toBeLessThan(5_000);
      // New tokens forever: a bounded number of pages (a real list of 100,000 objects still fits).
      [fresh, pages, started] = [true, 0, Date.now()];
      expect(await list()).toEqual(new LiveError('error', 'cluster prod: the list does not end (over 200 pages) (LIST v1 ConfigMap shop/*)'));
      expect(pages).toBe(200);
      expect(Date.now() - started).toBeLessThan(15_000);
      session.close();
    } finally {
      server.close();
    }
  });

  // Attacker: the cluster sends the headers at once, then the body one byte at a time.
  // Tries: to hold the review past the request timeout (the timer must cover the body, not only the headers).
  // Must hold: the request is aborted at its deadline.
  it('aborts an answer that drips in slower than the request timeout', async () => {
    const timers: NodeJS.Timeout[] = [];
    const { server, kubeconfig: file } = await rawServer((req, res) => {
      if (req.url === '/api/v1') return void res.writeHead(200, { 'content-type': 'application/json' }).end(CORE_DISCOVERY);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","namespace":"shop"},"data":{"x":"');
      timers.push(setInterval(() => res.write('y'), 20));
    });
    try {
      const session = await open({ requestTimeoutMs: 300 }, file);
      const started = Date.now();
      const error = (await session.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'shop', name: 'a' }).catch((e: unknown) => e)) as LiveError;
      expect([error.reason, error.message]).toEqual(['timeout', 'cluster prod: no answer within 0.3 s (GET v1 ConfigMap shop/a)']);
      expect(Date.now() - started).toBeLessThan(2_000);
      session.close();
    } finally {
      for (const t of timers) clearInterval(t);
      server.closeAllConnections();
      server.close();
    }
  });

  // Attacker: the cluster throttles with Retry-After: 999999.
  // Must hold: the wait never outlasts the cluster's time budget.
  it('waits out a huge Retry-After only until the time budget is spent', async () => {
    fake.put(namespace('shop')).put(configMap('shop', 'a'));
    fake.fault({ method: 'GET', path: /configmaps\/a$/, status: 429, headers: { 'retry-after': '999999' }, body: status(429, 'TooManyRequests', 'slow down') });
    const session = await open({ budgetMs: 400 });
    const started = Date.now();
    const error = (await session.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'shop', name: 'a' }).catch((e: unknown) => e)) as LiveError;
    expect(error).toBeInstanceOf(LiveError);
    expect(error.reason).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(1_500);
    session.close();
  });

  // Attacker: the cluster redirects a Secret read to its own host.
  // Must hold: the redirect is not followed (the token would go with it); strictNock fails on any request to evil.test.
  it('follows no redirect of a read either', async () => {
    fake.put(namespace('shop'));
    fake.fault({ method: 'GET', path: /secrets\/db$/, status: 302, headers: { location: 'https://evil.test/steal' }, body: null });
    const session = await open();
    const error = (await session.get({ apiVersion: 'v1', kind: 'Secret', namespace: 'shop', name: 'db' }).catch((e: unknown) => e)) as LiveError;
    expect(error.message).toBe('cluster prod: the API server answered with a redirect, which is not followed (GET v1 Secret shop/db)');
    session.close();
  });

  // Attacker: the cluster answers with an object nested 100,000 levels deep, and one with 100,000 managedFields entries.
  // Must hold: the first becomes a LiveError (not a crash of the review); the second's drift is computed in bounded time.
  it('survives a nesting bomb and a managedFields bomb', async () => {
    let deep = '"leaf"';
    for (let i = 0; i < 100_000; i++) deep = `{"a":${deep}}`;
    const bombs = await rawServer((req, res) => {
      if (req.url === '/api/v1') return void res.writeHead(200, { 'content-type': 'application/json' }).end(CORE_DISCOVERY);
      res.writeHead(200, { 'content-type': 'application/json' }).end(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","namespace":"shop"},"data":${deep}}`);
    });
    try {
      const session = await open({}, bombs.kubeconfig);
      const error = await session.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'shop', name: 'a' }).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(LiveError);
      session.close();
    } finally {
      bombs.server.close();
    }
    const managedFields = Array.from({ length: 100_000 }, (_, i) => ({ manager: `m${i}`, operation: 'Update', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { [`f:k${i}`]: {} } } }));
    const live = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'shop', managedFields }, data: Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`k${i}`, 'live'])) };
    const base = configMap('shop', 'a', Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`k${i}`, 'base'])));
    const started = Date.now();
    const drift = driftOf({ base, live, head: base, deployer: { controller: 'kubectl', name: null, namespace: null, prune: false, fieldManager: 'kubectl-client-side-apply', force: true }, scalers: [] });
    expect(drift).toHaveLength(200);
    expect(drift[7]!.manager).toBe('m7');
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});

describe('object identities the client builds request paths from', () => {
  beforeEach(() => {
    fake = new FakeKubeApi();
    nockKubeApi(SERVER, fake);
    fake.put(namespace('shop')).put(namespace('kube-system')).put(configMap('kube-system', 'cluster-info', { kubeconfig: 'internal' }));
  });

  // Attacker: the merge request, through the names, namespaces and apiVersions of the objects it renders.
  // Tries: characters the URL gives a meaning to (? # % /), dot segments the URL parser resolves,
  // very long names, and apiVersions that climb out of /apis/<group>/<version>.
  // Must hold: every request is a GET or a PATCH with exactly dryRun=All, and every request goes to
  // the object's own collection or to discovery, never to another path.
  it('sends nothing but dry-runs, and only to the object’s own path', async () => {
    const identities = [
      { apiVersion: 'v1', namespace: 'shop', name: 'a?dryRun=None' },
      { apiVersion: 'v1', namespace: 'shop', name: 'a#x' },
      { apiVersion: 'v1', namespace: 'shop', name: 'a%2F..%2F..%2Fsecrets%2Fdb' },
      { apiVersion: 'v1', namespace: 'shop', name: 'a/../../secrets/db' },
      { apiVersion: 'v1', namespace: 'shop', name: 'x'.repeat(5000) },
      { apiVersion: 'v1', namespace: 'shop', name: '..' },
      { apiVersion: 'v1', namespace: 'shop', name: '.' },
      { apiVersion: 'v1', namespace: '..', name: 'cluster-info' },
      { apiVersion: 'v1', namespace: 'shop?dryRun=None#', name: 'a' },
      { apiVersion: 'apps/../../api/v1', namespace: 'kube-system', name: 'cluster-info' },
      { apiVersion: 'v1?dryRun=None#', namespace: 'shop', name: 'a' },
    ];
    const session = await open();
    for (const identity of identities) {
      const object = { apiVersion: identity.apiVersion, kind: 'ConfigMap', metadata: { name: identity.name, namespace: identity.namespace }, data: { a: 'b' } };
      await session.get({ apiVersion: identity.apiVersion, kind: 'ConfigMap', namespace: identity.namespace, name: identity.name }).catch(() => null);
      await session.dryRunApply(object, { fieldManager: 'argocd-controller', force: true }).catch(() => null);
    }
    session.close();
    expect(fake.writes()).toEqual([]);
    const own = /^\/api\/v1(\/namespaces\/[^/]+\/configmaps(\/[^/]+)?)?$/;
    expect(fake.requests.map((r) => `${r.method} ${r.path}`).filter((line) => !own.test(line.split(' ')[1]!))).toEqual([]);
    // No request reached the object it did not name.
    expect(fake.requests.filter((r) => r.path === '/api/v1/namespaces/kube-system/configmaps/cluster-info')).toEqual([]);
    // What cannot be sent as named is refused in one line (the live section degrades; the API server would refuse such a name).
    const again = await open();
    await expect(again.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'shop', name: '..' })).rejects.toThrow(new LiveError('error', 'cluster prod: name ".." cannot name an object (GET v1 ConfigMap shop/..)'));
    await expect(again.list('apps/../../api/v1', 'ConfigMap', {})).rejects.toThrow('cluster prod: apiVersion "apps/../../api/v1" is not a group/version (LIST apps/../../api/v1 ConfigMap)');
    again.close();
  });
});

describe("the operator's kubeconfig directory", () => {
  let kubeconfigs: string;
  beforeAll(async () => {
    kubeconfigs = join(dir, 'kubeconfigs');
    await mkdir(join(kubeconfigs, '..2026_01_01'), { recursive: true });
    await writeFile(join(kubeconfigs, '..2026_01_01', 'prod.yaml'), kubeconfigFor(SERVER, 'prod'));
    // A Kubernetes Secret volume: prod.yaml → ..data/prod.yaml, ..data → ..<timestamp>.
    await symlink('..2026_01_01', join(kubeconfigs, '..data'));
    await symlink(join('..data', 'prod.yaml'), join(kubeconfigs, 'prod.yaml'));
    await writeFile(join(dir, 'outside.yaml'), kubeconfigFor('https://evil.test:6443', 'evil'));
    await symlink(join(dir, 'outside.yaml'), join(kubeconfigs, 'escape.yaml'));
    await symlink(dir, join(kubeconfigs, 'up'));
  });

  // Attacker: whoever wrote the config's `kubeconfig:` names (the base branch: reviewed, but a repository's
  // content all the same). Tries: unicode look-alikes, dot names, the Secret volume's own ..data entries,
  // separators, NUL, newlines, overlong names, links that leave the directory.
  // Must hold: only plain file names of the directory resolve, and only to files inside it.
  it('resolves plain file names to files inside it, and nothing else', async () => {
    const access = liveAccess(operatorLiveSpec({ SAFE_DEPLOY_KUBECONFIG_DIR: kubeconfigs })!);
    const resolve = (name: string) => access.resolve('prod', { kubeconfig: name });
    const ok = await resolve('prod.yaml');
    expect(ok).toEqual({ connection: { name: 'prod', kubeconfig: join(dir, 'kubeconfigs', '..2026_01_01', 'prod.yaml') } });
    expect(kubeConfigOf((ok as { connection: Parameters<typeof kubeConfigOf>[0] }).connection).getCurrentCluster()?.server).toBe(SERVER);
    for (const name of ['prоd.yaml' /* Cyrillic о */, 'ｐrod.yaml', '..', '.', '..data', '..data/prod.yaml', '..2026_01_01', 'up/outside.yaml', 'prod.yaml\n', 'prod.yaml\0', 'prod.yaml/', '%2e%2e', 'prod.yaml\\..\\x', 'p'.repeat(300)]) {
      const outcome = await resolve(name);
      expect(outcome, JSON.stringify(name)).toHaveProperty('refused');
    }
    expect(await resolve('escape.yaml')).toEqual({ refused: 'kubeconfig "escape.yaml" is not in the server\'s kubeconfig directory' });
    expect(await resolve('up')).toHaveProperty('refused');
  });
});
