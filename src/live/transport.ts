// How the client's requests go out: node-fetch (the client library's own, which takes
// the kubeconfig's TLS agent) with no redirects — a redirect would take the request,
// and the client certificate, to a host the guard never saw — each request aborted at
// its deadline, and answers bounded in size.
import { ResponseContext, wrapHttpLibrary, type HttpLibrary, type RequestContext } from '@kubernetes/client-node';
import fetch, { type RequestInit } from 'node-fetch';

/** No API server answer a review needs is near this; a larger one is refused. */
export const MAX_ANSWER_BYTES = 64 * 2 ** 20;

/**
 * A transport whose requests each get `timeoutMs()` milliseconds (read when the request
 * starts) and whose answers together stay within `bytes.left` (a cluster's budget for one
 * review: many pages of a list add up).
 */
export function boundedTransport(timeoutMs: () => number, bytes: { left: number }): HttpLibrary {
  return wrapHttpLibrary({
    async send(request: RequestContext): Promise<ResponseContext> {
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), Math.max(0, timeoutMs()));
      try {
        const init: RequestInit = {
          method: request.getHttpMethod().toString(),
          headers: request.getHeaders(),
          redirect: 'error',
          size: Math.max(1, Math.min(MAX_ANSWER_BYTES, bytes.left)),
          signal: controller.signal as RequestInit['signal'],
        };
        const body = request.getBody();
        if (body !== undefined) init.body = body as RequestInit['body'];
        const agent = request.getAgent();
        if (agent) init.agent = agent;
        const response = await fetch(request.getUrl(), init);
        const headers: Record<string, string> = {};
        response.headers.forEach((value, name) => (headers[name] = value));
        const text = await response.text();
        bytes.left -= Buffer.byteLength(text);
        return new ResponseContext(response.status, headers, { text: async () => text, binary: async () => Buffer.from(text) });
      } finally {
        clearTimeout(timer);
      }
    },
  });
}
