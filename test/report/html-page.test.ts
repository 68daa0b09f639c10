// The full report page in a real headless Chromium: the demo's report and a
// 2,000-change review load with no console error; search, the findings filters and
// deep links work; no Secret value and no hostile name gets into the page as markup.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';
import type { Browser, Locator } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderMarkdown } from '../../src/report/markdown.js';
import { runReview } from '../../src/review.js';
import { cli } from '../helpers/cli.js';
import { launchBrowser, openPage } from '../helpers/browser.js';
import { TestRepo } from '../helpers/git-repo.js';

const DEMO = fileURLToPath(new URL('../../scripts/demo.js', import.meta.url));
const SECRET_VALUE = 'hunter2-page-secret';
const HOSTILE = `x</script><script>alert(1)</script><img src=x onerror=alert(2)>`;

/** The added lines of a change's drawn diff, as diff2html shows them. */
const added = (change: Locator) => change.locator('td.d2h-ins .d2h-code-line-ctn').allTextContents();

let browser: Browser;
let dir: string;
let repo: TestRepo;
let big: string;
let commits: { base: string; head: string };

const configMap = (i: number, value: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm-${String(i).padStart(4, '0')}, namespace: ns-${i % 7}}\ndata: {value: "${value}"}\n`;

beforeAll(async () => {
  browser = await launchBrowser();
  dir = mkdtempSync(join(tmpdir(), 'safe-deploy-page-'));
  repo = new TestRepo();
  const files = (version: string, secret: string) => ({
    'deploy/objects.yaml': Array.from({ length: 2000 }, (_, i) => configMap(i, `${version}-${i}`)).join('---\n'),
    'deploy/secret.yaml': `apiVersion: v1\nkind: Secret\nmetadata: {name: db, namespace: ns-0}\nstringData: {password: "${secret}"}\n`,
    'deploy/hostile.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: '${HOSTILE}', namespace: ns-0}\ndata: {note: "${version}"}\n`,
    'deploy/web.yaml': `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: ns-1}\nspec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec: {containers: [{name: web, image: "web:${version}"}]}\n`,
  });
  const base = repo.commit(files('v1', 'old-password'));
  const head = repo.commit(files('v2', SECRET_VALUE));
  commits = { base, head };
  big = join(dir, 'big.html');
  const result = await cli(['review', '--repo', repo.dir, '--base', base, '--head', head, '--format', 'html', '--out', big]);
  expect(result.stderr).toBe('');
}, 120_000);

afterAll(async () => {
  await browser?.close();
  repo?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

describe('the report page', () => {
  it("of the demo: loads offline with no console error, every change listed, a change's diff drawn when opened", async () => {
    const file = join(dir, 'demo.html');
    expect(spawnSync(process.execPath, [DEMO, '--html', file], { encoding: 'utf8' }).status).toBe(0);
    const { page, problems } = await openPage(browser, pathToFileURL(file).href);
    expect(await page.locator('h1').textContent()).toBe('✅ safe-deploy: safe to merge');
    expect(await page.locator('details.change > summary').allTextContents()).toEqual([
      '✏️ update ConfigMap shop/frontend-config',
      '✏️ update Deployment shop/frontend · rollout',
      '✏️ update Secret shop/shop-db',
      '🗑️ delete Deployment shop/legacy-worker · downtime',
    ]);
    await page.locator('details.change > summary').first().click();
    await expect.poll(() => added(page.locator('details.change').first())).toContain('  LOG_LEVEL: debug');
    // Side by side, then back.
    await page.locator('#layout').click();
    expect(await page.locator('details.change').first().locator('.d2h-file-side-diff').count()).toBe(2);
    // The blast radius: each node links to its change.
    expect(await page.locator('.graph a.node').first().textContent()).toBe('ConfigMap shop/frontend-config (update)');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('of 2,000 changes: search, findings filters and a deep link work; nothing is loaded from anywhere', async () => {
    const html = readFileSync(big, 'utf8');
    expect(html).not.toMatch(/\b(src|href)="(https?:)?\/\//);
    const { page, problems } = await openPage(browser, pathToFileURL(big).href);
    expect(await page.locator('details.change').count()).toBe(2003);
    expect(await page.locator('#shown').textContent()).toBe('2003 of 2003 changes');

    await page.locator('#search').fill('configmap ns-3/cm-0010');
    expect(await page.locator('#shown').textContent()).toBe('1 of 2003 changes');
    expect(await page.locator('details.change:not(.hidden) > summary').allTextContents()).toEqual(['✏️ update ConfigMap ns-3/cm-0010']);
    await page.locator('#search').fill('deployment');
    expect(await page.locator('details.change:not(.hidden) > summary').allTextContents()).toEqual(['✏️ update Deployment ns-1/web · rollout']);
    await page.locator('#search').fill('');

    // Findings: filtered by severity and by rule.
    const rows = () => page.locator('#findings tbody tr:not(.hidden)').count();
    const all = await rows();
    expect(all).toBeGreaterThan(1);
    await page.locator('#f-rule').selectOption('probes-missing');
    expect(await page.locator('#findings tbody tr:not(.hidden) td:nth-child(2)').allTextContents()).toEqual(['probes-missing']);
    await page.locator('#f-rule').selectOption('');
    await page.locator('#f-severity').selectOption('notice');
    expect(new Set(await page.locator('#findings tbody tr:not(.hidden)').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-severity'))))).toEqual(new Set(['notice']));

    // A deep link opens that change, draws its diff and scrolls to it.
    const id = await page.locator('details.change', { hasText: 'ConfigMap ns-2/cm-1500' }).getAttribute('id');
    expect(id).toMatch(/^change-[0-9a-f]{20}$/);
    const linked = await openPage(browser, `${pathToFileURL(big).href}#${id}`);
    const change = linked.page.locator(`#${id}`);
    expect(await change.getAttribute('open')).toBe('');
    expect(await added(change)).toEqual(['  value: v2-1500']);
    expect(await change.evaluate((el) => el.getBoundingClientRect().top)).toBeLessThan(100);
    expect([...problems, ...linked.problems]).toEqual([]);
    await Promise.all([page.close(), linked.page.close()]);
  });

  it('opens the change that the comment links where it left a diff out', async () => {
    const review = await runReview({ repo: repo.dir, ...commits });
    const served = 'https://safe-deploy.example.com/reports/0123?expires=1&sig=ab';
    const comment = renderMarkdown(review, { limit: 65_536, reportUrl: served });
    const links = [...comment.matchAll(/\[See it in the full report\]\(https:\/\/safe-deploy\.example\.com\/reports\/0123\?expires=1&sig=ab#(change-[0-9a-f]{20})\), or reply <code>\/safe-deploy show ConfigMap\/(cm-\d{4})<\/code>/g)];
    expect(links.length).toBeGreaterThan(100);
    for (const [, id, name] of [links[0]!, links.at(-1)!]) {
      const { page, problems } = await openPage(browser, `${pathToFileURL(big).href}#${id}`);
      const opened = page.locator('details.change[open]');
      expect(await opened.locator('summary code').textContent()).toBe(`ConfigMap ns-${Number(name!.slice(3)) % 7}/${name}`);
      expect(await added(opened)).toEqual([`  value: v2-${Number(name!.slice(3))}`]);
      expect(problems).toEqual([]);
      await page.close();
    }
    // A link with a fragment of its own (GitHub's run page) is linked as it is, never with a change's.
    const artifacts = renderMarkdown(review, { limit: 65_536, reportUrl: 'https://github.com/o/r/actions/runs/1#artifacts' });
    expect(artifacts).not.toContain('#artifacts#');
    expect(artifacts).toContain('Reply <code>/safe-deploy show ConfigMap/');
  });

  it('holds no Secret value, and shows a hostile name as text, never as markup', async () => {
    const html = readFileSync(big, 'utf8');
    expect(html).not.toContain(SECRET_VALUE);
    expect(html).not.toContain('old-password');
    expect(html).not.toContain('<script>alert(1)');
    const { page, problems } = await openPage(browser, pathToFileURL(big).href);
    await page.locator('#search').fill('onerror');
    const hostile = page.locator('details.change:not(.hidden)');
    expect(await hostile.locator('summary code').textContent()).toBe(`ConfigMap ns-0/${HOSTILE}`);
    await hostile.locator('summary').click();
    await expect.poll(() => added(hostile)).toEqual(['  note: v2']);
    // The Secret's diff says that it changed, never the value.
    await page.locator('#search').fill('secret');
    const secret = page.locator('details.change:not(.hidden)');
    await secret.locator('summary').click();
    await expect.poll(() => secret.locator('.d2h-wrapper').count()).toBe(1);
    expect(await page.content()).not.toContain(SECRET_VALUE);
    expect(await page.locator('img').count()).toBe(0);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('shows the environment matrix: a cell opens that target\'s change, the object that differs is marked', async () => {
    const overlays = new TestRepo();
    try {
      const overlay = (env: string) => `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamePrefix: ${env}-\nnamespace: ${env}\nresources: [../../base]\n`;
      const files = (level: string) => ({
        'base/kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [config.yaml]\n',
        // Two objects make the same change: one group, two rows; each cell opens its own row's object.
        // And 99 more, for a table of 101 rows: the first 100 are drawn, the rest on asking.
        'base/config.yaml': ['config', 'extra', ...Array.from({ length: 99 }, (_, i) => `more-${String(i).padStart(2, '0')}`)].map((name) => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ${name}}\ndata: {LOG_LEVEL: ${level}}\n`).join('---\n'),
        'overlays/dev/kustomization.yaml': overlay('dev'),
        'overlays/prod/kustomization.yaml': overlay('prod'),
      });
      const base = overlays.commit(files('info'));
      const head = overlays.commit(files('debug'));
      const file = join(dir, 'matrix.html');
      expect((await cli(['review', '--repo', overlays.dir, '--base', base, '--head', head, '--format', 'html', '--out', file])).status).toBe(0);
      const { page, problems } = await openPage(browser, pathToFileURL(file).href);
      expect(await page.locator('#matrix thead th').allTextContents()).toEqual(['Object', 'overlays/dev', 'overlays/prod']);
      const rows = page.locator('#matrix tbody tr');
      expect((await rows.allTextContents()).slice(0, 3)).toEqual(['ConfigMap config✏️✏️', 'ConfigMap extra✏️✏️', 'ConfigMap more-00✏️✏️']);
      expect(await rows.count()).toBe(100);
      await page.locator('#matrix-all').click();
      expect(await rows.count()).toBe(101);
      expect(await rows.last().textContent()).toBe('ConfigMap more-98✏️✏️');
      expect(await page.locator('#matrix-all').count()).toBe(0);
      await page.locator('#matrix tbody tr').nth(1).locator('td').nth(2).locator('a').click();
      const opened = page.locator('details.change[open]');
      expect(await opened.locator('summary').textContent()).toBe('✏️ update ConfigMap prod/prod-extra');
      expect(await added(opened)).toEqual(['  LOG_LEVEL: debug']);
      expect(problems).toEqual([]);
      await page.close();
    } finally {
      overlays.dispose();
    }
  });

  it('says what diff.ignore hid and which reviews the change needs, names as text', async () => {
    const shop = new TestRepo();
    try {
      const service = (type: string, team: string) => `apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop, labels: {team: ${team}}}\nspec: {type: ${type}, selector: {app: web}, ports: [{port: 80}]}\n`;
      const config = "diff:\n  ignore: [{fields: ['metadata.labels.team']}]\nreviews:\n  - {name: '<b>exposure</b>', when: {impacts: [exposure]}, require: ['@acme/security']}\n";
      const base = shop.commit({ '.safe-deploy.yml': config, 'deploy/web.yaml': service('ClusterIP', 'a') });
      const head = shop.commit({ 'deploy/web.yaml': service('LoadBalancer', 'b') });
      const file = join(dir, 'reviews.html');
      expect((await cli(['review', '--repo', shop.dir, '--base', base, '--head', head, '--format', 'html', '--out', file])).status).toBe(0);
      const { page, problems } = await openPage(browser, pathToFileURL(file).href);
      expect(await page.locator('#ignored').textContent()).toBe('1 ignore rule (diff.ignore [0]) hid 1 field change on 1 object; 0 had no other change and are not listed.');
      expect(await page.locator('#reviews tbody tr td').allTextContents()).toEqual(['<b>exposure</b>', 'Service shop/web in deploy: exposure', 'needs @acme/security']);
      expect(await page.locator('#reviews b').count()).toBe(0);
      expect(problems).toEqual([]);
      await page.close();
    } finally {
      shop.dispose();
    }
  });
});
