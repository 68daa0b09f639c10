// The fake Kubernetes API server behind nock, for tests against the real client.
import nock from 'nock';
import { FakeKubeApi, isObj, type Obj } from './kube-api.js';
import { keep } from './nock.js';

/** The fake behind nock for `url` (e.g. https://kube.test:6443); call nock.cleanAll() to remove it. */
export function nockKubeApi(url: string, fake: FakeKubeApi): nock.Scope {
  const scope = nock(url).persist();
  for (const method of ['get', 'patch', 'post', 'put', 'delete'] as const) {
    scope.intercept(/.*/, method.toUpperCase()).reply(function (uri, body, callback) {
      const parsed = new URL(uri, url);
      const answer = fake.handle({
        method: method.toUpperCase(),
        path: parsed.pathname,
        query: parsed.searchParams,
        contentType: String(this.req.headers['content-type'] ?? ''),
        ...(body && typeof body === 'string' && body.length ? { body: JSON.parse(body) as Obj } : isObj(body) ? { body } : {}),
      });
      const send = () => {
        if (answer.refuse) callback(Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:6443'), { code: 'ECONNREFUSED' }), [0, '']);
        else callback(null, [answer.status, JSON.stringify(answer.body), answer.headers]);
      };
      if (answer.delayMs) setTimeout(send, answer.delayMs);
      else send();
    });
  }
  // The fake's routes are its own: what happened is in its request log.
  return keep(scope);
}

