// The server's full reports: a review's comment links its report page behind a
// signed, expiring link that the server serves; anything else is refused alike.
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fileReports, ReportStore } from '../../src/server/reports.js';
import { FakeGitHub } from '../fakes/github.js';
import { strictNock } from '../fakes/nock.js';
import { launchBrowser, openPage } from '../helpers/browser.js';
import { TestRepo } from '../helpers/git-repo.js';
import { pullRequestPayload, sendWebhook, startGitHubServer, type TestServer } from '../helpers/github.js';
import { deployment } from '../helpers/manifests.js';

const PUBLIC = 'https://safe-deploy.example.com';
strictNock({ loopback: true });

let dir: string;
let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(() => browser?.close());
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'safe-deploy-reports-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('report links', () => {
  let server: TestServer;
  let repo: TestRepo;
  afterEach(async () => {
    await server?.close();
    repo?.dispose();
  });

  it('a review comment links its full report, which the server serves to that link only', async () => {
    const github = new FakeGitHub();
    repo = new TestRepo();
    const base = repo.commit({ 'deploy/web/deploy.yaml': deployment('web', { namespace: 'shop' }) });
    const head = repo.pushHead(base, 'refs/pull/1/head', { 'deploy/web/deploy.yaml': deployment('web', { namespace: 'shop', replicas: 5 }) });
    server = await startGitHubServer({ cacheDir: dir, env: { SAFE_DEPLOY_PUBLIC_URL: PUBLIC } });
    expect((await sendWebhook(server, 'pull_request', pullRequestPayload('opened', repo.dir, 1, base, head))).status).toBe(200);
    await server.scheduler.idle();
    const body = github.comments[0]!.body;
    const link = /\[Full report\]\((https:\/\/safe-deploy\.example\.com\/reports\/[0-9a-f]{32}\?expires=\d+&sig=[0-9a-f]{64})\)/.exec(body)?.[1];
    expect(link, body).toBeDefined();
    const local = link!.replace(PUBLIC, server.url);
    const page = await fetch(local);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    expect(page.headers.get('content-security-policy')).toContain('sandbox allow-scripts');
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    const html = await page.text();
    expect(html).toContain('"name":"web"');
    expect(html).toContain(`"head":"${head}"`);
    // In Chromium under both policies (the server's header and the page's own): it works, in an origin of its own.
    const { page: tab, problems } = await openPage(browser, local);
    expect(await tab.locator('details.change > summary').allTextContents()).toEqual(['✏️ update Deployment shop/web · rollout']);
    expect(await tab.evaluate(() => window.origin)).toBe('null');
    await tab.locator('details.change > summary').click();
    await expect.poll(() => tab.locator('td.d2h-ins .d2h-code-line-ctn').allTextContents()).toEqual(['  replicas: 5']);
    expect(problems).toEqual([]);
    await tab.close();
    // Kept privately in the cache directory.
    expect(statSync(join(dir, 'reports')).mode & 0o777).toBe(0o700);
    expect(readdirSync(join(dir, 'reports')).map((f) => statSync(join(dir, 'reports', f)).mode & 0o777)).toEqual([0o600]);

    const url = new URL(local);
    const id = url.pathname.split('/').pop()!;
    const sig = url.searchParams.get('sig')!;
    const expires = Number(url.searchParams.get('expires'));
    const flipped = `${sig.slice(0, -1)}${sig.endsWith('0') ? '1' : '0'}`;
    const answers = await Promise.all(
      [
        `/reports/${id}`,
        `/reports/${id}?expires=${expires}&sig=${flipped}`,
        `/reports/${id}?expires=${expires + 1}&sig=${sig}`,
        `/reports/${'0'.repeat(32)}?expires=${expires}&sig=${sig}`,
        `/reports/`,
        `/reports/..%2f..%2fetc%2fpasswd?expires=${expires}&sig=${sig}`,
        `/reports/${id}.html?expires=${expires}&sig=${sig}`,
        // Other spellings of the signed link: only the one the server wrote opens the page.
        `/reports/${id}?expires=${expires}&sig=${sig}zz`,
        `/reports/${id}?expires=${expires}&sig=${sig.toUpperCase()}`,
        `/reports/${id}?expires=0${expires}&sig=${sig}`,
      ].map(async (path) => `${path.slice(0, 30)} ${(await fetch(`${server.url}${path}`)).status}`),
    );
    expect(answers.map((a) => a.split(' ').pop())).toEqual(Array.from({ length: 10 }, () => '404'));
    expect((await fetch(local, { method: 'POST' })).status).toBe(404);
  });
});

describe('the report store', () => {
  it('answers 410 once a link has expired, and deletes pages older than their lifetime as new ones come', async () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const store = new ReportStore(fileReports(dir), { publicUrl: 'https://x.example/', secret: 's'.repeat(64), days: 1 }, () => now);
    const link = await store.publish('<p>first</p>');
    expect(link).toMatch(/^https:\/\/x\.example\/reports\/[0-9a-f]{32}\?expires=\d+&sig=[0-9a-f]{64}$/);
    const request = (url: string) => {
      let status = 0;
      let text = '';
      const res = { writeHead: (code: number) => ((status = code), { end: (body: string) => (text = body) }) };
      return { req: { method: 'GET', url: new URL(url).pathname + new URL(url).search }, res, result: () => ({ status, text }) };
    };
    const ask = async (url: string) => {
      const r = request(url);
      await store.handle(r.req as never, r.res as never);
      return r.result();
    };
    expect(await ask(link)).toEqual({ status: 200, text: '<p>first</p>' });
    now += 25 * 3600 * 1000;
    expect((await ask(link)).status).toBe(410);
    // A page written a day later removes the first (by its file's age).
    const old = readdirSync(dir)[0]!;
    const { utimesSync } = await import('node:fs');
    utimesSync(join(dir, old), new Date(now - 25 * 3600 * 1000), new Date(now - 25 * 3600 * 1000));
    await new ReportStore(fileReports(dir), { publicUrl: 'https://x.example', secret: 's'.repeat(64), days: 1 }).publish('<p>second</p>');
    expect(readdirSync(dir)).toHaveLength(1);
    expect(readdirSync(dir)).not.toContain(old);
  });
});
