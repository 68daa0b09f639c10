// A minimal GitHub REST API on loopback, enough for the app's review calls; it
// records when each check run completes.
import { createServer } from 'node:http';

export async function startFakeGitHub() {
  const completed = new Map(); // head sha → ms timestamp of the completing PATCH
  const conclusions = new Map();
  const waiters = new Map();
  const headOfRun = new Map();
  let nextId = 1;
  const comments = new Map(); // issue number → [{id, body, user}]
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const json = body ? JSON.parse(body) : {};
      const url = req.url.replace(/^\/api\/v3/, '').split('?')[0];
      const send = (status, data) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(data));
      let m;
      if (req.method === 'POST' && /^\/app\/installations\/\d+\/access_tokens$/.test(url)) return send(201, { token: 'ghs_fake', expires_at: '2099-01-01T00:00:00Z', permissions: {} });
      if (req.method === 'POST' && /\/check-runs$/.test(url)) {
        const id = nextId++;
        headOfRun.set(id, json.head_sha);
        return send(201, { id });
      }
      if (req.method === 'PATCH' && (m = /\/check-runs\/(\d+)$/.exec(url))) {
        if (json.conclusion) {
          const sha = headOfRun.get(Number(m[1]));
          completed.set(sha, performance.now());
          conclusions.set(sha, json.conclusion);
          waiters.get(sha)?.();
        }
        return send(200, {});
      }
      if ((m = /\/issues\/(\d+)\/comments$/.exec(url))) {
        const list = comments.get(m[1]) ?? [];
        comments.set(m[1], list);
        if (req.method === 'GET') return send(200, list);
        const comment = { id: nextId++, body: json.body, user: { login: 'safe-deploy[bot]', type: 'Bot' } };
        list.push(comment);
        return send(201, comment);
      }
      if (req.method === 'PATCH' && (m = /\/issues\/comments\/(\d+)$/.exec(url))) {
        for (const list of comments.values()) for (const c of list) if (c.id === Number(m[1])) c.body = json.body;
        return send(200, {});
      }
      send(404, { message: `not faked: ${req.method} ${url}` });
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    host: `127.0.0.1:${server.address().port}`,
    completed,
    conclusions,
    /** Resolves with the completion time of the check run for `sha`. */
    whenCompleted: (sha) => (completed.has(sha) ? Promise.resolve(completed.get(sha)) : new Promise((resolve) => waiters.set(sha, () => resolve(completed.get(sha))))),
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}
