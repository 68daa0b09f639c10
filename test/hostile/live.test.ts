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
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { driftOf } from '../../src/core/live/drift.js';
import { liveAccess, operatorLiveSpec } from '../../src/live/access.js';
import { kubeConfigOf } from '../../src/live/connect.js';
import { DEFAULT_LIVE_LIMITS, LiveError, openCluster, type LiveLimits } from '../../src/live/session.js';
import { FakeKubeApi, kubeconfigFor, status } from '../fakes/kube-api.js';
import { nockKubeApi } from '../fakes/kube-api-nock.js';
import { strictNock } from '../fakes/nock.js';
import { cli } from '../helpers/cli.js';
import { TestRepo } from '../helpers/git-repo.js';

interface ReviewJson {
  targets: Array<{
    name: string;
    live?: { cluster: string; status: string; fieldManager: string; force: boolean; drift: Array<{ name: string }>; pruned: unknown[] };
    changes: Array<{ name: string; live?: unknown }>;
  }>;
  findings: Array<{ rule: string; message: string }>;
}

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

describe('a hostile merge request, through the CLI', () => {
  let repo: TestRepo;
  let prodConfig: string;
  beforeEach(async () => {
    repo = new TestRepo();
    fake = new FakeKubeApi();
    nockKubeApi(SERVER, fake);
    prodConfig = join(dir, 'prod-kubeconfig');
    await writeFile(prodConfig, kubeconfigFor(SERVER, 'prod'));
    await writeFile(join(dir, 'evil-kubeconfig'), kubeconfigFor('https://evil.test:6443', 'evil'));
    fake.put(namespace('shop')).put(namespace('kube-system'));
  });
  afterEach(() => repo.dispose());

  const review = async (base: string, head: string, extra: string[] = []) => {
    const args = ['review', '--repo', repo.dir, '--base', base, '--head', head, '--live', ...extra];
    const json = await cli([...args, '--format', 'json']);
    expect(json.stderr).toBe('');
    const markdown = await cli(args);
    return { json: JSON.parse(json.stdout) as ReviewJson, markdown: markdown.stdout, text: json.stdout + markdown.stdout };
  };
  const cm = (ns: string, name: string, value: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ${name}, namespace: ${ns}}\ndata: {value: ${value}}\n`;
  const secret = (ns: string, name: string, value: string) => `apiVersion: v1\nkind: Secret\nmetadata: {name: ${name}, namespace: ${ns}}\ntype: Opaque\nstringData: {password: ${value}}\n`;

  // Attacker: the head's .safe-deploy.yml. Tries: to move the target to a cluster of their own (its kubeconfig
  // would go to evil.test), and to change the field manager and force of the dry-run.
  // Must hold: the base's config decides; strictNock fails the test on any request to evil.test.
  it("cannot move a target to another cluster or change the dry-run's manager through the head's config", async () => {
    const config = (cluster: string, extra = '') => `clusters:\n  prod: {kubeconfig: ${prodConfig}}\n  evil: {kubeconfig: ${join(dir, 'evil-kubeconfig')}}\ntargets:\n  - {name: shop, path: deploy/shop, namespace: shop, cluster: ${cluster}}\n${extra}`;
    const base = repo.commit({ '.safe-deploy.yml': config('prod'), 'deploy/shop/a.yaml': cm('shop', 'a', 'one') });
    const head = repo.commit({
      '.safe-deploy.yml': config('evil', 'live:\n  fieldManager: evil-manager\n  force: false\n  targets: [{path: "**", cluster: evil}]\n'),
      'deploy/shop/a.yaml': cm('shop', 'a', 'two'),
    });
    fake.put({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'shop' }, data: { value: 'one' } });
    const { json } = await review(base, head);
    expect(json.targets[0]!.live).toMatchObject({ cluster: 'prod', status: 'ok', fieldManager: 'kubectl-client-side-apply', force: true });
    const patches = fake.requests.filter((r) => r.method === 'PATCH');
    expect(patches.map((r) => [r.query.get('fieldManager'), r.query.get('force'), r.query.get('dryRun')])).toEqual([
      ['kubectl-client-side-apply', 'true', 'All'],
      ['kubectl-client-side-apply', 'true', 'All'],
    ]);
  });

  // Attacker: the head adds objects the base does not declare, named after what exists in the cluster:
  // a ConfigMap and a Secret in kube-system, and enough ConfigMaps there that the review lists the kind.
  // Tries: to read the cluster's content of objects that are not the target's (through the live diff,
  // drift, the dry-run result, or the list read).
  // Must hold: the review says they exist, shows none of their content, and no Secret value or digest.
  it('reads nothing of the cluster the base does not declare, by identity or by list', async () => {
    const CONFIG = 'targets:\n  - {name: shop, path: deploy/shop, namespace: shop}\n';
    const base = repo.commit({ '.safe-deploy.yml': CONFIG, 'deploy/shop/a.yaml': cm('shop', 'a', 'one') });
    const files: Record<string, string> = { 'deploy/shop/info.yaml': cm('kube-system', 'cluster-info', 'mine'), 'deploy/shop/token.yaml': secret('kube-system', 'bootstrap-token', 'head-pass-4242') };
    for (let i = 0; i < 9; i++) files[`deploy/shop/many-${i}.yaml`] = cm('kube-system', `many-${i}`, 'mine');
    const head = repo.commit(files);
    fake
      .put({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cluster-info', namespace: 'kube-system' }, data: { value: 'cluster-only-endpoint', extra: 'cluster-only-extra' } })
      .put({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'bootstrap-token', namespace: 'kube-system' }, type: 'Opaque', stringData: { password: 'live-token-9999', other: 'live-other-8888' } });
    for (let i = 0; i < 9; i++) fake.put({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `many-${i}`, namespace: 'kube-system' }, data: { value: `cluster-only-${i}`, extra: `cluster-only-extra-${i}` } });
    const { json, text } = await review(base, head, ['--kubeconfig', prodConfig, '--context', 'prod']);
    const target = json.targets[0]!;
    expect(target.live).toMatchObject({ status: 'ok', drift: [], pruned: [] });
    const existing = target.changes.filter((c) => c.name === 'cluster-info' || c.name === 'bootstrap-token' || c.name.startsWith('many-'));
    expect(existing).toHaveLength(11);
    for (const change of existing) expect(change.live).toEqual({ exists: true, dryRun: 'ok', message: 'already in the cluster, where the base branch does not declare it: the sync takes it over (its live state is not shown)' });
    expect(text).not.toContain('cluster-only');
    for (const value of ['live-token-9999', 'live-other-8888', 'head-pass-4242']) {
      expect(text).not.toContain(value);
      expect(text).not.toContain(Buffer.from(value).toString('base64'));
    }
    expect(text).not.toMatch(/sha256:[0-9a-f]{64}/);
    expect(fake.writes()).toEqual([]);
  });

  // Attacker: the cluster's answer to the dry-run (a webhook's denial quotes what it was sent, adds Markdown,
  // HTML, a comment that looks like the bot's own marker, a mention and a link), and the head's Secret value in it.
  // Must hold: the comment shows it as text only; the Secret value is scrubbed from JSON and comment alike.
  it("shows the API server's words as text, without the Secret values it quotes", async () => {
    const CONFIG = 'targets:\n  - {name: shop, path: deploy/shop, namespace: shop}\n';
    const base = repo.commit({ '.safe-deploy.yml': CONFIG, 'deploy/shop/a.yaml': cm('shop', 'a', 'one') });
    const head = repo.commit({ 'deploy/shop/db.yaml': secret('shop', 'db', 'head-pass-7777') });
    const echoed = Buffer.from('head-pass-7777').toString('base64');
    const message = `admission webhook "x" denied the request: <!-- safe-deploy:review --> </details> @platform-team see [here](https://evil.test/x) | col | ![img](https://evil.test/i.png) password head-pass-7777 (${echoed})`;
    fake.fault({ method: 'PATCH', path: /secrets\/db$/, status: 403, body: status(403, 'Forbidden', message) });
    const { json, markdown, text } = await review(base, head, ['--kubeconfig', prodConfig, '--context', 'prod']);
    expect(json.findings.filter((f) => f.rule === 'cluster-rejected')).toHaveLength(1);
    expect(text).not.toContain('head-pass-7777');
    expect(text).not.toContain(echoed);
    const rejected = markdown.split('\n').filter((line) => line.includes('denied the request'));
    expect(rejected.length).toBeGreaterThan(0);
    for (const line of rejected) {
      expect(line).not.toContain('<!--');
      expect(line).not.toContain('</details>');
      expect(line).not.toMatch(/(^|[^>])@platform-team/);
      expect(line).not.toContain('[here](');
      expect(line).not.toContain('![img](');
      expect(line).not.toMatch(/\| col \|/);
    }
  });

  // Attacker: the head's new Secrets, in the forms the redaction might not expect: stringData only, data that
  // is not a map, and one whose live copy exists under the same name (declared by the base).
  // Must hold: no value, base64 form or digest in the live diff, drift or anywhere else.
  it('keeps every Secret value out of the live diff, whatever shape the Secret has', async () => {
    const CONFIG = 'targets:\n  - {name: shop, path: deploy/shop, namespace: shop}\n';
    const base = repo.commit({ '.safe-deploy.yml': CONFIG, 'deploy/shop/db.yaml': secret('shop', 'db', 'base-pass-1111') });
    const head = repo.commit({
      'deploy/shop/db.yaml': secret('shop', 'db', 'head-pass-2222'),
      'deploy/shop/new.yaml': `apiVersion: v1\nkind: Secret\nmetadata: {name: new, namespace: shop}\nstringData: {token: head-new-3333}\n`,
      'deploy/shop/odd.yaml': `apiVersion: v1\nkind: Secret\nmetadata: {name: odd, namespace: shop}\ndata: head-odd-4444\n`,
    });
    fake.put({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', namespace: 'shop', annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"stringData":{"password":"live-last-5555"}}' } }, type: 'Opaque', stringData: { password: 'live-pass-6666', added: 'live-added-7777' } });
    const { json, text } = await review(base, head, ['--kubeconfig', prodConfig, '--context', 'prod']);
    expect(json.targets[0]!.live!.drift.map((d) => d.name)).toEqual(['db']);
    for (const value of ['base-pass-1111', 'head-pass-2222', 'head-new-3333', 'head-odd-4444', 'live-last-5555', 'live-pass-6666', 'live-added-7777']) {
      expect(text).not.toContain(value);
      expect(text).not.toContain(Buffer.from(value).toString('base64'));
    }
    expect(text).not.toMatch(/sha256:[0-9a-f]{64}/);
  });
});

describe('credentials and renderers', () => {
  let repo: TestRepo;
  beforeEach(() => {
    repo = new TestRepo();
    fake = new FakeKubeApi();
    nockKubeApi(SERVER, fake);
    fake.put(namespace('shop'));
  });
  afterEach(() => repo.dispose());

  // Attacker: the head's kustomization and files. Tries: to render the operator's kubeconfig into a ConfigMap
  // (a generator reading its absolute path, a link in the repository to it) so that its token shows in the diff.
  // Must hold: the renderer never reads it; the token is nowhere in the review.
  it("cannot render the operator's kubeconfig into the review", async () => {
    const file = join(dir, 'operator-kubeconfig');
    await writeFile(file, kubeconfigFor(SERVER, 'prod').replace('test-token', 'operator-token-5150'));
    const base = repo.commit({ '.safe-deploy.yml': 'targets:\n  - {name: shop, path: deploy/shop, namespace: shop}\n', 'deploy/shop/kustomization.yaml': 'resources: []\n' });
    const head = repo.commit({
      'deploy/shop/kustomization.yaml': `namespace: shop\nconfigMapGenerator:\n  - name: abs\n    files: [${file}]\n  - name: linked\n    files: [kc.yaml]\n`,
    });
    await symlink(file, join(repo.dir, 'deploy/shop/kc.yaml'));
    const linked = repo.commit({}, 'a link to the kubeconfig');
    for (const rev of [head, linked]) {
      const args = ['review', '--repo', repo.dir, '--base', base, '--head', rev, '--live', '--kubeconfig', file, '--context', 'prod'];
      const outputs = [await cli([...args, '--format', 'json']), await cli(args)];
      for (const out of outputs) expect(out.stdout + out.stderr).not.toContain('operator-token-5150');
      // The renderer refused (the link or the path outside the kustomization), not rendered something else.
      expect((JSON.parse(outputs[0]!.stdout) as { targets: Array<{ status: string; error?: string }> }).targets[0]).toMatchObject({ status: 'error', error: expect.stringMatching(/kc\.yaml|operator-kubeconfig|security|outside/) });
    }
  });
});
