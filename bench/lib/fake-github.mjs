// A minimal GitHub REST API on loopback, enough for the app's review calls; it
// records each check run (head, status, conclusion) and each pull request's
// comments, which it attributes to the App as GitHub does (so the bot finds and
// edits its own comment). Served over HTTP, it also serves other processes.
import { createServer } from 'node:http';

export async function startFakeGitHub({ appId = 1 } = {}) {
  const completed = new Map(); // head sha → ms timestamp of the completing PATCH
  const conclusions = new Map();
  const waiters = new Map();
  /** Every check run in creation order. */
  const checkRuns = [];
  const comments = new Map(); // issue number → [{id, body, user, performed_via_github_app}]
  /** Requests to hold unanswered: [{method, pattern, arrive, released}]. */
  const holds = [];
  const listeners = new Set();
  const changed = () => listeners.forEach((listener) => listener());
  let nextId = 1;

  const answer = (req, res, body) => {
    const json = body ? JSON.parse(body) : {};
    const url = req.url.replace(/^\/api\/v3/, '').split('?')[0];
    const send = (status, data) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(data));
    let m;
    if (req.method === 'POST' && /^\/app\/installations\/\d+\/access_tokens$/.test(url)) return send(201, { token: 'ghs_fake', expires_at: '2099-01-01T00:00:00Z', permissions: {} });
    if (req.method === 'POST' && /\/check-runs$/.test(url)) {
      const run = { id: nextId++, headSha: json.head_sha, status: json.status ?? 'queued', conclusion: null };
      checkRuns.push(run);
      changed();
      return send(201, { id: run.id });
    }
    if (req.method === 'GET' && (m = /\/commits\/([0-9a-f]+)\/check-runs$/.exec(url))) {
      // The app's runs of one check, newest first, as GitHub lists them (only our check exists here).
      const query = new URL(req.url, 'http://fake').searchParams;
      const runs = checkRuns.filter((r) => r.headSha === m[1] && (!query.get('status') || r.status === query.get('status'))).reverse();
      return send(200, { total_count: runs.length, check_runs: runs.map((r) => ({ id: r.id, head_sha: r.headSha, status: r.status, conclusion: r.conclusion, name: 'safe-deploy' })) });
    }
    if (req.method === 'PATCH' && (m = /\/check-runs\/(\d+)$/.exec(url))) {
      const run = checkRuns.find((r) => r.id === Number(m[1]));
      if (!run) return send(404, { message: 'Not Found' });
      if (json.conclusion) {
        Object.assign(run, { status: 'completed', conclusion: json.conclusion });
        completed.set(run.headSha, performance.now());
        conclusions.set(run.headSha, json.conclusion);
        waiters.get(run.headSha)?.();
        changed();
      }
      return send(200, {});
    }
    if ((m = /\/issues\/(\d+)\/comments$/.exec(url))) {
      const list = comments.get(m[1]) ?? [];
      comments.set(m[1], list);
      if (req.method === 'GET') return send(200, list);
      const comment = { id: nextId++, body: json.body, user: { login: 'safe-deploy[bot]', type: 'Bot' }, performed_via_github_app: { id: appId }, created_at: new Date().toISOString() };
      list.push(comment);
      changed();
      return send(201, comment);
    }
    if (req.method === 'PATCH' && (m = /\/issues\/comments\/(\d+)$/.exec(url))) {
      for (const list of comments.values()) for (const c of list) if (c.id === Number(m[1])) c.body = json.body;
      changed();
      return send(200, {});
    }
    send(404, { message: `not faked: ${req.method} ${url}` });
  };

  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', async () => {
      const index = holds.findIndex((h) => h.method === req.method && h.pattern.test(req.url.replace(/^\/api\/v3/, '')));
      if (index >= 0) {
        const [hold] = holds.splice(index, 1);
        hold.arrive();
        await hold.released;
        // The client died while held (a killed worker): nothing it asked happens.
        if (res.destroyed || req.socket.destroyed) return;
      }
      answer(req, res, body);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    host: `127.0.0.1:${server.address().port}`,
    completed,
    conclusions,
    checkRuns,
    comments,
    /** Resolves with the completion time of the check run for `sha`. */
    whenCompleted: (sha) => (completed.has(sha) ? Promise.resolve(completed.get(sha)) : new Promise((resolve) => waiters.set(sha, () => resolve(completed.get(sha))))),
    /** The next request matching `method` and `path` waits unanswered until release(); `arrived` resolves when it comes. */
    hold(method, path) {
      let arrive;
      let release;
      const arrived = new Promise((resolve) => (arrive = resolve));
      const released = new Promise((resolve) => (release = resolve));
      holds.push({ method, pattern: path, arrive, released });
      return { arrived, release };
    },
    /** Resolves once `condition()` holds after some change (a check run or comment written); rejects after `ms`. */
    until(condition, ms) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!condition()) return;
          done();
          resolve();
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`fake GitHub: condition not met within ${ms} ms`));
        }, ms);
        const done = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        check();
      });
    },
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}
