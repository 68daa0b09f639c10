// The transport guard: nothing leaves the client that could change the cluster.
// A request that is not a read must carry exactly dryRun=All, and every request
// must go to the cluster's own API server.
import type { Middleware, RequestContext, ResponseContext } from '@kubernetes/client-node';

const READS = new Set(['GET', 'HEAD']);

/** An encoded "/", "\\", "." or "%" in a path: the API server decodes it into another path (a subresource, a proxy). */
const ENCODED_PATH_SEPARATOR = /%(?:2f|5c|2e|25)/i;

/** Throws when a request could write, leaves for another host than `server`'s, or hides a path in an encoded segment. */
export function assertReadOnly(method: string, url: string, server: string): void {
  const target = new URL(url);
  const own = new URL(server);
  if (target.protocol !== own.protocol || target.host !== own.host) throw new Error(`refused a request to ${target.host}: not the cluster's API server`);
  if (ENCODED_PATH_SEPARATOR.test(target.pathname)) throw new Error(`refused ${method.toUpperCase()} ${target.pathname}: an encoded path separator`);
  if (READS.has(method.toUpperCase())) return;
  const dryRun = target.searchParams.getAll('dryRun');
  if (dryRun.length !== 1 || dryRun[0] !== 'All') throw new Error(`refused ${method.toUpperCase()} ${target.pathname}: only dry-run requests (dryRun=All) may change anything`);
}

/** The client middleware that applies assertReadOnly to every request before it is sent. */
export function readOnlyGuard(server: string): Middleware {
  return {
    pre: async (context: RequestContext) => {
      assertReadOnly(context.getHttpMethod().toString(), context.getUrl(), server);
      return context;
    },
    post: async (response: ResponseContext) => response,
  };
}
