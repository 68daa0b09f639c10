// A fake Kubernetes API server with the shapes of real answers: discovery documents
// (APIResourceList), objects by path, lists with label selectors and pages, `Status`
// errors, and server-side apply dry-runs that merge, default and never store. Faults
// (any status, delay, Retry-After, a refused connection) are set per verb and path.
// Served through nock (kube-api-nock.ts, for tests) or a real HTTP server (benchmarks).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type Obj = { [key: string]: Json };

export interface KindInfo {
  group: string;
  version: string;
  kind: string;
  plural: string;
  namespaced: boolean;
}

export interface KubeRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  contentType?: string;
  body?: Obj;
}

export interface Fault {
  method?: string;
  /** Matched against the path (no query). */
  path: RegExp;
  status?: number;
  /** A Status body, or any JSON. */
  body?: Json;
  headers?: Record<string, string>;
  delayMs?: number;
  /** The connection is refused instead of answered. */
  refuse?: boolean;
  /** How many requests it answers; then the fake answers normally. */
  times?: number;
}

export interface KubeAnswer {
  status: number;
  headers: Record<string, string>;
  body: Json;
  delayMs?: number;
  refuse?: boolean;
}

const BUILT_IN: KindInfo[] = [
  { group: '', version: 'v1', kind: 'Namespace', plural: 'namespaces', namespaced: false },
  { group: '', version: 'v1', kind: 'ConfigMap', plural: 'configmaps', namespaced: true },
  { group: '', version: 'v1', kind: 'Secret', plural: 'secrets', namespaced: true },
  { group: '', version: 'v1', kind: 'Service', plural: 'services', namespaced: true },
  { group: '', version: 'v1', kind: 'ServiceAccount', plural: 'serviceaccounts', namespaced: true },
  { group: '', version: 'v1', kind: 'PersistentVolumeClaim', plural: 'persistentvolumeclaims', namespaced: true },
  { group: 'apps', version: 'v1', kind: 'Deployment', plural: 'deployments', namespaced: true },
  { group: 'apps', version: 'v1', kind: 'StatefulSet', plural: 'statefulsets', namespaced: true },
  { group: 'autoscaling', version: 'v2', kind: 'HorizontalPodAutoscaler', plural: 'horizontalpodautoscalers', namespaced: true },
  { group: 'networking.k8s.io', version: 'v1', kind: 'Ingress', plural: 'ingresses', namespaced: true },
  { group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'ClusterRole', plural: 'clusterroles', namespaced: false },
];

/** A `Status` failure body as the API server writes it. */
export function status(code: number, reason: string, message: string, causes?: Array<{ field: string; message: string; reason?: string }>): Obj {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    ...(causes ? { details: { causes: causes.map((c) => ({ reason: c.reason ?? 'FieldValueInvalid', message: c.message, field: c.field })) } } : {}),
    code,
  };
}

export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const clone = <T>(v: T): T => structuredClone(v);

/** `b` applied onto `a`: maps merged key by key; lists of named items merged by name; other lists and scalars replaced. */
function merge(a: Json | undefined, b: Json): Json {
  if (isObj(a) && isObj(b)) {
    const out: Obj = { ...a };
    for (const [k, v] of Object.entries(b)) out[k] = merge(a[k], v);
    return out;
  }
  if (Array.isArray(a) && Array.isArray(b) && b.every((x) => isObj(x) && typeof x.name === 'string')) {
    return b.map((item) => merge(a.find((x) => isObj(x) && isObj(item) && x.name === item.name), item));
  }
  return clone(b);
}

/** The fieldsV1 set of the fields an applied object sets (list items by name, or whole). */
function fieldsOf(value: Json): Obj {
  if (!isObj(value)) return {};
  const out: Obj = {};
  for (const [k, v] of Object.entries(value)) {
    if (isObj(v)) out[`f:${k}`] = fieldsOf(v);
    else if (Array.isArray(v) && v.every((x) => isObj(x) && typeof x.name === 'string')) {
      out[`f:${k}`] = Object.fromEntries(v.map((x) => [`k:${JSON.stringify({ name: (x as Obj).name })}`, { '.': {}, ...fieldsOf(x) }]));
    } else out[`f:${k}`] = {};
  }
  return out;
}

function defaultContainer(c: Json): Json {
  if (!isObj(c)) return c;
  const image = String(c.image ?? '');
  return {
    imagePullPolicy: image.endsWith(':latest') || !image.includes(':') ? 'Always' : 'IfNotPresent',
    terminationMessagePath: '/dev/termination-log',
    terminationMessagePolicy: 'File',
    resources: {},
    ...c,
    ...(Array.isArray(c.ports) ? { ports: c.ports.map((p) => (isObj(p) ? { protocol: 'TCP', ...p } : p)) } : {}),
  };
}

/** Defaults the API server fills in, for the kinds the fake knows (a realistic subset). */
export function withDefaults(object: Obj): Obj {
  const out = clone(object);
  const spec = isObj(out.spec) ? out.spec : undefined;
  if (out.kind === 'Deployment' && spec) {
    spec.replicas ??= 1;
    spec.revisionHistoryLimit ??= 10;
    spec.progressDeadlineSeconds ??= 600;
    spec.strategy ??= { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } };
    const pod = isObj(spec.template) && isObj(spec.template.spec) ? spec.template.spec : undefined;
    if (pod) {
      pod.restartPolicy ??= 'Always';
      pod.terminationGracePeriodSeconds ??= 30;
      pod.dnsPolicy ??= 'ClusterFirst';
      pod.securityContext ??= {};
      pod.schedulerName ??= 'default-scheduler';
      if (Array.isArray(pod.containers)) pod.containers = pod.containers.map(defaultContainer);
    }
  }
  if (out.kind === 'Service' && spec) {
    spec.type ??= 'ClusterIP';
    spec.sessionAffinity ??= 'None';
    spec.clusterIP ??= '10.96.12.34';
    spec.clusterIPs ??= [spec.clusterIP];
    spec.ipFamilies ??= ['IPv4'];
    spec.ipFamilyPolicy ??= 'SingleStack';
    spec.internalTrafficPolicy ??= 'Cluster';
    if (Array.isArray(spec.ports)) spec.ports = spec.ports.map((p) => (isObj(p) ? { protocol: 'TCP', targetPort: p.port ?? null, ...p } : p));
  }
  if (out.kind === 'Secret') {
    out.type ??= 'Opaque';
    // stringData is write-only: the server stores it base64-encoded in data.
    if (isObj(out.stringData)) {
      out.data = { ...(isObj(out.data) ? out.data : {}), ...Object.fromEntries(Object.entries(out.stringData).map(([k, v]) => [k, Buffer.from(String(v)).toString('base64')])) };
      delete out.stringData;
    }
  }
  return out;
}

let uids = 0;

export class FakeKubeApi {
  readonly requests: KubeRequest[] = [];
  private readonly kinds: KindInfo[] = [...BUILT_IN];
  private readonly objects = new Map<string, Obj>();
  private faults: Fault[] = [];

  addKind(kind: KindInfo): this {
    this.kinds.push(kind);
    return this;
  }

  private kindOf(apiVersion: string, kind: string): KindInfo | undefined {
    const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
    return this.kinds.find((k) => k.group === group && k.version === version && k.kind === kind);
  }

  private pathOf(info: KindInfo, namespace: string | undefined, name?: string): string {
    const root = info.group ? `/apis/${info.group}/${info.version}` : `/api/${info.version}`;
    return `${root}${info.namespaced && namespace ? `/namespaces/${namespace}` : ''}/${info.plural}${name ? `/${name}` : ''}`;
  }

  /** Stores a live object (defaults filled in), with managedFields as given or owned by `manager`. */
  put(object: Obj, manager = 'kubectl-client-side-apply'): this {
    const meta = isObj(object.metadata) ? object.metadata : {};
    const info = this.kindOf(String(object.apiVersion), String(object.kind));
    if (!info) throw new Error(`fake: unknown kind ${String(object.kind)}`);
    const live = withDefaults(object);
    live.metadata = {
      uid: `uid-${++uids}`,
      resourceVersion: String(1000 + uids),
      creationTimestamp: '2026-01-01T00:00:00Z',
      ...(info.kind === 'Deployment' ? { generation: 1 } : {}),
      managedFields: [{ manager, operation: 'Update', apiVersion: String(object.apiVersion), time: '2026-01-01T00:00:00Z', fieldsType: 'FieldsV1', fieldsV1: fieldsOf(object) }],
      ...meta,
    };
    if (info.kind === 'Deployment') live.status = { observedGeneration: 1, replicas: 1, readyReplicas: 1 };
    this.objects.set(this.pathOf(info, meta.namespace as string | undefined, String(meta.name)), live);
    return this;
  }

  fault(fault: Fault): this {
    this.faults.push({ ...fault });
    return this;
  }

  /** Non-read requests whose query is not exactly dryRun=All. */
  writes(): KubeRequest[] {
    return this.requests.filter((r) => r.method !== 'GET' && r.method !== 'HEAD' && r.query.getAll('dryRun').join(',') !== 'All');
  }

  handle(request: KubeRequest): KubeAnswer {
    this.requests.push(request);
    const fault = this.faults.find((f) => (f.method === undefined || f.method === request.method) && f.path.test(request.path) && (f.times === undefined || f.times > 0));
    if (fault) {
      if (fault.times !== undefined) fault.times--;
      if (fault.refuse) return { status: 0, headers: {}, body: null, refuse: true };
      if (fault.status !== undefined) return { status: fault.status, headers: { 'content-type': 'application/json', ...fault.headers }, body: fault.body ?? null, ...(fault.delayMs ? { delayMs: fault.delayMs } : {}) };
      return { ...this.answer(request), ...(fault.delayMs ? { delayMs: fault.delayMs } : {}) };
    }
    return this.answer(request);
  }

  private json(status: number, body: Json): KubeAnswer {
    return { status, headers: { 'content-type': 'application/json' }, body };
  }

  private answer(request: KubeRequest): KubeAnswer {
    const { method, path } = request;
    const discovery = /^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))$/.exec(path);
    if (method === 'GET' && discovery) {
      const [group, version] = discovery[1] ? ['', discovery[1]] : [discovery[2]!, discovery[3]!];
      const kinds = this.kinds.filter((k) => k.group === group && k.version === version);
      if (!kinds.length) return this.json(404, status(404, 'NotFound', 'the server could not find the requested resource'));
      return this.json(200, {
        kind: 'APIResourceList',
        apiVersion: 'v1',
        groupVersion: group ? `${group}/${version}` : version,
        resources: kinds.map((k) => ({ name: k.plural, singularName: k.kind.toLowerCase(), namespaced: k.namespaced, kind: k.kind, verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'] })),
      });
    }
    const match = /^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))(?:\/namespaces\/([^/]+))?\/([^/]+)(?:\/([^/]+))?$/.exec(path);
    const info = match && this.kinds.find((k) => k.group === (match[1] ? '' : match[2]) && k.version === (match[1] ?? match[3]) && k.plural === match[5]);
    if (!match || !info) return this.json(404, status(404, 'NotFound', 'the server could not find the requested resource'));
    const [namespace, name] = [match[4], match[6]];
    if (method === 'GET' && name) {
      const object = this.objects.get(path);
      return object ? this.json(200, clone(object)) : this.json(404, status(404, 'NotFound', `${info.plural}${info.group ? `.${info.group}` : ''} "${name}" not found`));
    }
    if (method === 'GET') return this.list(request, info, namespace);
    if (method === 'PATCH' && name) return this.dryRunApply(request, info, namespace, name);
    return this.json(405, status(405, 'MethodNotAllowed', `fake: ${method} is not served`));
  }

  private list(request: KubeRequest, info: KindInfo, namespace: string | undefined): KubeAnswer {
    const root = info.group ? `/apis/${info.group}/${info.version}` : `/api/${info.version}`;
    const inScope = namespace ? (path: string) => path.startsWith(`${this.pathOf(info, namespace)}/`) : (path: string) => new RegExp(`^${root}(/namespaces/[^/]+)?/${info.plural}/[^/]+$`).test(path);
    const selector = (request.query.get('labelSelector') ?? '').split(',').filter(Boolean).map((term) => term.split('='));
    const all = [...this.objects.entries()]
      .filter(([path]) => inScope(path))
      .map(([, object]) => object)
      .filter((object) => selector.every(([k, v]) => isObj(object.metadata) && isObj(object.metadata.labels) && object.metadata.labels[k!] === v));
    const limit = Number(request.query.get('limit') ?? all.length) || all.length;
    const start = Number(request.query.get('continue') ?? 0);
    const page = all.slice(start, start + limit);
    const more = start + limit < all.length;
    // Items of a list carry no apiVersion and kind, as the API server sends them.
    const items = page.map(({ apiVersion: _a, kind: _k, ...rest }) => clone(rest));
    return this.json(200, { kind: `${info.kind}List`, apiVersion: info.group ? `${info.group}/${info.version}` : info.version, metadata: { resourceVersion: '5000', ...(more ? { continue: String(start + limit) } : {}) }, items });
  }

  private dryRunApply(request: KubeRequest, info: KindInfo, namespace: string | undefined, name: string): KubeAnswer {
    if (request.query.getAll('dryRun').join(',') !== 'All') return this.json(500, status(500, 'InternalError', 'fake: refusing to persist anything'));
    if (request.contentType !== 'application/apply-patch+yaml') return this.json(415, status(415, 'UnsupportedMediaType', 'fake: only server-side apply'));
    const manager = request.query.get('fieldManager');
    if (!manager) return this.json(400, status(400, 'BadRequest', 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch'));
    if (info.namespaced && namespace && !this.objects.has(`/api/v1/namespaces/${namespace}`)) {
      return this.json(404, status(404, 'NotFound', `namespaces "${namespace}" not found`));
    }
    const applied = request.body ?? {};
    const existing = this.objects.get(request.path);
    const merged = withDefaults(merge(existing ?? {}, applied) as Obj);
    const meta = isObj(merged.metadata) ? merged.metadata : {};
    const others = existing && isObj(existing.metadata) && Array.isArray(existing.metadata.managedFields) ? existing.metadata.managedFields.filter((m) => isObj(m) && m.manager !== manager) : [];
    merged.metadata = {
      ...meta,
      uid: meta.uid ?? `uid-dry-${name}`,
      resourceVersion: meta.resourceVersion ?? '0',
      creationTimestamp: meta.creationTimestamp ?? '2026-11-28T00:00:00Z',
      managedFields: [...others, { manager, operation: 'Apply', apiVersion: String(applied.apiVersion), time: '2026-11-28T00:00:00Z', fieldsType: 'FieldsV1', fieldsV1: fieldsOf(applied) }],
    };
    return this.json(existing ? 200 : 201, merged);
  }
}

/** The fake behind a real HTTP server on 127.0.0.1, each answer after `latencyMs`. */
export async function serveKubeApi(fake: FakeKubeApi, options: { latencyMs: number }): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const parsed = new URL(req.url ?? '/', 'http://127.0.0.1');
      const text = Buffer.concat(chunks).toString('utf8');
      const answer = fake.handle({ method: req.method ?? 'GET', path: parsed.pathname, query: parsed.searchParams, contentType: req.headers['content-type'] ?? '', ...(text ? { body: JSON.parse(text) as Obj } : {}) });
      setTimeout(() => {
        if (answer.refuse) return void req.socket.destroy();
        res.writeHead(answer.status, answer.headers).end(JSON.stringify(answer.body));
      }, options.latencyMs + (answer.delayMs ?? 0));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** A kubeconfig for `server` with a bearer token (TLS not verified: the fake has no certificate). */
export function kubeconfigFor(server: string, context = 'test'): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    `clusters: [{ name: ${context}, cluster: { server: "${server}", insecure-skip-tls-verify: true } }]`,
    `users: [{ name: ${context}, user: { token: test-token } }]`,
    `contexts: [{ name: ${context}, context: { cluster: ${context}, user: ${context} } }]`,
    `current-context: ${context}`,
    '',
  ].join('\n');
}
