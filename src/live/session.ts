// One review's connection to one cluster, through the official client: reads by
// identity (kinds resolved by API discovery), lists, and the server-side apply
// dry-run. Bounded in flight, in rate and in time; every object that arrives has its
// secret values digested before anything else sees it.
import { ApiException, createConfiguration, KubernetesObjectApi, PatchStrategy, ServerConfiguration, type KubernetesObject, type ResponseContext, type V1APIResource } from '@kubernetes/client-node';
import Bottleneck from 'bottleneck';
import { digestSecrets } from '../core/live/secrets.js';
import type { ObjectRef } from '../core/live/model.js';
import { isObject, type JsonObject, type JsonValue } from '../core/resource.js';
import { formatBytes } from '../util/bytes.js';
import { kubeConfigOf, type ClusterConnection } from './connect.js';
import { readOnlyGuard } from './guard.js';
import { boundedTransport, MAX_ANSWER_BYTES } from './transport.js';

export interface LiveLimits {
  /** Requests in flight. */
  concurrency: number;
  /** Requests per second, and how many may go at once after a quiet time. */
  qps: number;
  burst: number;
  requestTimeoutMs: number;
  /** All requests to the cluster in one review. */
  budgetMs: number;
  /** Retries of a 429 or 503 answer, after its Retry-After. */
  retries: number;
  /** All answers from the cluster in one review, together. */
  maxBytes: number;
}

export const DEFAULT_LIVE_LIMITS: LiveLimits = { concurrency: 16, qps: 100, burst: 200, requestTimeoutMs: 10_000, budgetMs: 60_000, retries: 3, maxBytes: 512 * 2 ** 20 };

export type LiveErrorReason = 'forbidden' | 'unreachable' | 'timeout' | 'unknown-kind' | 'throttled' | 'error';

/** A request that failed for a reason of the cluster's, in one line naming the cluster and the request. */
export class LiveError extends Error {
  constructor(
    readonly reason: LiveErrorReason,
    message: string,
  ) {
    super(message);
  }
}

export interface Rejection {
  code: number;
  /** The Status reason: Invalid, Conflict, Forbidden, BadRequest, NotFound… */
  reason: string;
  /** The API server's message, with the causes of an Invalid answer. */
  message: string;
}

export type DryRunOutcome = { ok: true; object: JsonObject } | { ok: false; rejection: Rejection };

export interface ClusterSession {
  /** The live object, null when the cluster has none of that name. */
  get(ref: ObjectRef): Promise<JsonObject | null>;
  list(apiVersion: string, kind: string, options: { namespace?: string; labelSelector?: string }): Promise<JsonObject[]>;
  /** The only request that is not a read: a server-side apply with dryRun=All, as `fieldManager` would apply. */
  dryRunApply(object: JsonObject, options: { fieldManager: string; force: boolean }): Promise<DryRunOutcome>;
  /** HTTP requests sent so far, discovery and retries included. */
  readonly requests: number;
  close(): void;
}

/** Objects as the API server sends them: no typed model (which drops unknown fields and rewrites dates), and one discovery per group-version. */
class RawObjectApi extends KubernetesObjectApi {
  private readonly discovery = new Map<string, Promise<unknown>>();

  protected override async getSerializationType(): Promise<string> {
    return 'any';
  }

  protected override async processResponse<T extends KubernetesObject>(response: ResponseContext): Promise<T> {
    const text = await response.body.text();
    if (response.httpStatusCode >= 200 && response.httpStatusCode <= 299) {
      try {
        return JSON.parse(text) as T;
      } catch {
        // The parser's message quotes the answer around the fault, which may be a Secret's value.
        throw new Error('the answer is not JSON');
      }
    }
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // Not JSON (a proxy's page): kept as text.
    }
    throw new ApiException(response.httpStatusCode, 'Unsuccessful HTTP Request', body, response.headers);
  }

  protected override async resource(apiVersion: string, kind: string): Promise<V1APIResource | undefined> {
    let pending = this.discovery.get(apiVersion);
    if (!pending) {
      pending = super.resource(apiVersion, kind);
      this.discovery.set(apiVersion, pending);
      pending.catch(() => this.discovery.delete(apiVersion));
    }
    await pending;
    // Subresources (deployments/status, deployments/scale) share their kind with the resource itself.
    return this.apiVersionResourceCache[apiVersion]?.resources.find((r) => r.kind === kind && !r.name.includes('/'));
  }
}

const plain = (value: unknown) => digestSecrets(JSON.parse(JSON.stringify(value)) as JsonObject);
const statusOf = (error: unknown): JsonObject => (error instanceof ApiException && isObject(error.body) ? (error.body as JsonObject) : {});

/** "message" plus "field: message" of each cause, as kubectl prints an Invalid answer. */
function statusMessage(error: ApiException<unknown>): string {
  const status = statusOf(error);
  const message = typeof status.message === 'string' ? status.message : typeof error.body === 'string' ? error.body.slice(0, 300) : `HTTP ${error.code}`;
  const causes = isObject(status.details) && Array.isArray(status.details.causes) ? status.details.causes.filter(isObject) : [];
  const extra = causes.map((c) => `${c.field ? `${String(c.field)}: ` : ''}${String(c.message ?? '')}`).filter((c) => !message.includes(c));
  return [message, ...extra].join('; ').replace(/\s+/g, ' ');
}

/** RBAC's refusal, as opposed to an admission webhook's or a quota's (also 403). */
const DISCOVERY = /Failed to fetch resource metadata/;
const RBAC_DENIAL = /\bcannot (get|list|patch|create|watch) resource\b|\bis forbidden: User\b.*\bcannot\b/;
const NETWORK = /ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|ETIMEDOUT|certificate|self.signed|socket hang up/i;

/**
 * The API server refuses the object itself (as opposed to refusing us): invalid, in
 * conflict with another manager, denied by admission or a quota, or its namespace
 * missing. RBAC's 403 and a kind discovery does not know are the caller's faults.
 */
function isRejection(error: unknown): error is ApiException<unknown> {
  if (!(error instanceof ApiException)) return false;
  if (error.code === 403) return !RBAC_DENIAL.test(statusMessage(error));
  if (error.code === 404) return !DISCOVERY.test(error.message);
  return error.code === 400 || error.code === 409 || error.code === 422;
}

/** Pages of one list: a real API server's continue tokens end long before (500 objects a page). */
const MAX_LIST_PAGES = 200;

/**
 * Names and versions go into the request path: "." and ".." would be resolved by the
 * URL parser into another path, and a "/" (sent encoded, decoded by the API server)
 * would reach a subresource such as services/proxy. The API server refuses all of
 * them as object names, as it refuses "%"; an apiVersion is "<group>/<version>" or "<version>".
 */
const DOT_SEGMENT = /^\.\.?$|[/%]/;
const API_VERSION = /^(?:[a-z0-9](?:[-a-z0-9.]*[a-z0-9])?\/)?[a-z0-9]+$/;
function requestable(ref: { apiVersion: string; namespace?: string | null; name?: string }): string | null {
  if (!API_VERSION.test(ref.apiVersion)) return `apiVersion "${ref.apiVersion}" is not a group/version`;
  for (const [what, value] of [['namespace', ref.namespace], ['name', ref.name]] as const) if (typeof value === 'string' && DOT_SEGMENT.test(value)) return `${what} "${value}" cannot name an object`;
  return null;
}

const wait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

/** Opens a session on a cluster; throws (one line) when its kubeconfig cannot be used. */
export async function openCluster(connection: ClusterConnection, limits: LiveLimits = DEFAULT_LIVE_LIMITS): Promise<ClusterSession> {
  const kc = kubeConfigOf(connection);
  const server = kc.getCurrentCluster()!.server;
  let requests = 0;
  const counter = { pre: async <C>(context: C) => (requests++, context), post: async <R>(response: R) => response };
  const deadline = Date.now() + limits.budgetMs;
  const bytes = { left: limits.maxBytes };
  const configuration = createConfiguration({
    baseServer: new ServerConfiguration(server, {}),
    httpApi: boundedTransport(() => Math.min(limits.requestTimeoutMs, deadline - Date.now()), bytes),
    authMethods: { default: kc },
    // The guard runs last, on the request exactly as it will be sent.
    promiseMiddleware: [counter, readOnlyGuard(server)],
  });
  const api = new RawObjectApi(configuration);
  const limiter = new Bottleneck({
    maxConcurrent: limits.concurrency,
    reservoir: limits.burst,
    reservoirIncreaseAmount: Math.max(1, Math.round(limits.qps / 10)),
    reservoirIncreaseInterval: 100,
    reservoirIncreaseMaximum: limits.burst,
    // The reservoir grows on the heartbeat: as often as it is meant to grow.
    heartbeatInterval: 100,
  });
  const name = connection.name;

  const spent = (what: string) => new LiveError('timeout', `cluster ${name}: the time budget of ${limits.budgetMs / 1000} s is spent (${what})`);

  /** One call: rate-limited, timed out, retried on 429/503 after Retry-After. Throws the client's error, or a LiveError for time. */
  async function call<T>(what: string, send: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      if (deadline - Date.now() <= 0) throw spent(what);
      try {
        return await limiter.schedule(send);
      } catch (error) {
        if (error instanceof ApiException && (error.code === 429 || error.code === 503) && attempt < limits.retries) {
          const after = Number(error.headers?.['retry-after']);
          await wait(Math.min(Number.isFinite(after) && after >= 0 ? after * 1000 : 1000, Math.max(0, deadline - Date.now())));
          continue;
        }
        throw error;
      }
    }
  }

  /** The LiveError of a failed call (`what`: "GET apps/v1 Deployment shop/web"). */
  function liveError(error: unknown, what: string, kind: { apiVersion: string; kind: string }): LiveError {
    const unknownKind = () => new LiveError('unknown-kind', `cluster ${name}: the API server does not serve ${kind.apiVersion} ${kind.kind}`);
    if (error instanceof LiveError) return error;
    if (error instanceof ApiException) {
      const message = statusMessage(error);
      if (error.code === 403) return new LiveError('forbidden', `cluster ${name}: forbidden (${what}): ${message}`);
      if (error.code === 429 || error.code === 503) return new LiveError('throttled', `cluster ${name}: still throttled after ${limits.retries} retries (${what})`);
      if (error.code === 404 && DISCOVERY.test(error.message)) return unknownKind();
      return new LiveError('error', `cluster ${name}: HTTP ${error.code} (${what}): ${message}`);
    }
    const text = (error as Error)?.message ?? String(error);
    if (/^Unrecognized API version and kind/.test(text)) return unknownKind();
    if ((error as Error)?.name === 'AbortError') {
      return Date.now() >= deadline ? spent(what) : new LiveError('timeout', `cluster ${name}: no answer within ${limits.requestTimeoutMs / 1000} s (${what})`);
    }
    const type = (error as { type?: string }).type;
    if (type === 'no-redirect') return new LiveError('error', `cluster ${name}: the API server answered with a redirect, which is not followed (${what})`);
    if (type === 'max-size') {
      const over = bytes.left < MAX_ANSWER_BYTES ? `the answers over ${formatBytes(limits.maxBytes)} in all` : `an answer over ${formatBytes(MAX_ANSWER_BYTES)}`;
      return new LiveError('error', `cluster ${name}: ${over} (${what})`);
    }
    const code = (error as { code?: string }).code ?? '';
    if (NETWORK.test(`${code} ${text}`)) return new LiveError('unreachable', `cluster ${name}: unreachable (${code || text.split('\n')[0]})`);
    return new LiveError('error', `cluster ${name}: ${text.split('\n')[0]} (${what})`);
  }

  const describe = (ref: { apiVersion: string; kind: string; namespace?: string | null; name?: string }) =>
    `${ref.apiVersion} ${ref.kind}${ref.namespace || ref.name ? ` ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name ?? '*'}` : ''}`;

  /** Refuses, before anything is sent, an identity whose request path would name something else. */
  const assertRequestable = (ref: { apiVersion: string; namespace?: string | null; name?: string }, what: string) => {
    const problem = requestable(ref);
    if (problem) throw new LiveError('error', `cluster ${name}: ${problem} (${what})`);
  };

  return {
    get requests() {
      return requests;
    },
    async get(ref) {
      const spec = { apiVersion: ref.apiVersion, kind: ref.kind, metadata: { name: ref.name, ...(ref.namespace ? { namespace: ref.namespace } : {}) } };
      const what = `GET ${describe(ref)}`;
      assertRequestable(ref, what);
      try {
        return plain(await call(what, () => api.read(spec)));
      } catch (error) {
        if (error instanceof ApiException && error.code === 404 && !DISCOVERY.test(error.message)) return null;
        throw liveError(error, what, ref);
      }
    },
    async list(apiVersion, kind, options) {
      const items: JsonObject[] = [];
      let token: string | undefined;
      const what = `LIST ${describe({ apiVersion, kind, ...(options.namespace ? { namespace: options.namespace } : {}) })}`;
      assertRequestable({ apiVersion, ...(options.namespace ? { namespace: options.namespace } : {}) }, what);
      const tokens = new Set<string>();
      do {
        const page = (await call(what, () => api.list(apiVersion, kind, options.namespace, undefined, undefined, undefined, undefined, options.labelSelector, 500, token)).catch((error: unknown) => {
          throw liveError(error, what, { apiVersion, kind });
        })) as unknown as { items?: JsonValue[]; metadata?: { continue?: string } };
        // A list's items carry no apiVersion and kind of their own.
        for (const item of page.items ?? []) if (isObject(item)) items.push(plain({ apiVersion, kind, ...item }));
        token = page.metadata?.continue || undefined;
        if (token !== undefined && (tokens.has(token) || tokens.size + 1 >= MAX_LIST_PAGES)) {
          throw new LiveError('error', `cluster ${name}: the list does not end (${tokens.has(token) ? 'a continue token came twice' : `over ${MAX_LIST_PAGES} pages`}) (${what})`);
        }
        if (token !== undefined) tokens.add(token);
      } while (token);
      return items;
    },
    async dryRunApply(object, options) {
      const ref = { apiVersion: String(object.apiVersion), kind: String(object.kind), namespace: (isObject(object.metadata) && (object.metadata.namespace as string)) || null, name: isObject(object.metadata) ? String(object.metadata.name) : '' };
      const what = `dry-run PATCH ${describe(ref)}`;
      assertRequestable(ref, what);
      try {
        const result = await call(what, () => api.patch(structuredClone(object) as KubernetesObject, undefined, 'All', options.fieldManager, options.force || undefined, PatchStrategy.ServerSideApply));
        return { ok: true, object: plain(result) };
      } catch (error) {
        if (isRejection(error)) return { ok: false, rejection: { code: error.code, reason: String(statusOf(error).reason ?? ''), message: statusMessage(error) } };
        throw liveError(error, what, { apiVersion: String(object.apiVersion), kind: String(object.kind) });
      }
    },
    close() {
      void limiter.stop({ dropWaitingJobs: true }).catch(() => undefined);
    },
  };
}
