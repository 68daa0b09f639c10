// The full report: one self-contained HTML file (no external asset, works offline)
// with the verdict, findings with filters, the environment matrix, the blast radius,
// every target and every change with unified and side-by-side diffs (drawn by
// diff2html when a change is opened), search, and deep links (#change-<id>, see
// anchors.ts). Its data is the review JSON (reviewJson, without the field lists the
// diffs repeat): Secret-free like every other output.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Review } from '../core/model.js';
import { changeAnchors } from './anchors.js';
import { reviewJson } from './json.js';
import { PAGE_SCRIPT, PAGE_STYLE } from './html-page.js';

const require = createRequire(import.meta.url);

let assets: { script: string; style: string } | undefined;

/** diff2html's browser bundle and stylesheet, read once from the installed package. */
function diff2html(): { script: string; style: string } {
  assets ??= {
    script: readFileSync(require.resolve('diff2html/bundles/js/diff2html.min.js'), 'utf8'),
    style: readFileSync(require.resolve('diff2html/bundles/css/diff2html.min.css'), 'utf8'),
  };
  return assets;
}

/** JSON that can sit inside <script>: no "<" (so no "</script>" or "<!--"), and no line separators JavaScript would choke on. */
export function scriptSafeJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/** The page's Content-Security-Policy: nothing loads from anywhere; only its own inline script and styles (by hash) run. */
export function reportPolicy(scripts: string[], styles: string[]): string {
  return [`default-src 'none'`, `script-src ${scripts.map(sha256).join(' ')}`, `style-src ${styles.map(sha256).join(' ')}`, `img-src data:`, `base-uri 'none'`, `form-action 'none'`].join('; ');
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The report page of a review. */
export function renderHtml(review: Review): string {
  const { script, style } = diff2html();
  // The page draws each change's diff, so the field lists (as long again) stay in the JSON format only.
  const data = scriptSafeJson(reviewJson(review, { fields: false }));
  const anchors = changeAnchors(review.targets);
  const ids = scriptSafeJson(review.targets.map((t) => t.changes.map((c) => anchors.get(c)!)));
  const title = `safe-deploy: ${review.verdict === 'pass' ? 'safe to merge' : 'merge blocked'} · ${review.head.slice(0, 12)}`;
  const scripts = [script, PAGE_SCRIPT];
  const styles = [style, PAGE_STYLE];
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(reportPolicy(scripts, styles))}">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${style}</style>
<style>${PAGE_STYLE}</style>
</head>
<body>
<noscript>This report needs JavaScript to show the review; the same review is available as JSON (<code>--format json</code>).</noscript>
<main id="app"></main>
<script type="application/json" id="review-data">${data}</script>
<script type="application/json" id="change-ids">${ids}</script>
<script>${script}</script>
<script>${PAGE_SCRIPT}</script>
</body>
</html>
`;
}
