import { describe, expect, it } from 'vitest';
import type { Finding, RoutedReview } from '../../src/core/model.js';
import { COMMENT_MARKER, renderMarkdown } from '../../src/report/markdown.js';
import { code, escapeText, escapeTextWithin, fenced, linkPath } from '../../src/report/markdown-text.js';
import { deploy, res } from '../helpers/resources.js';
import { reviewOf } from '../helpers/review.js';

const finding = (overrides: Partial<Finding> = {}): Finding => ({
  rule: 'render-failed',
  severity: 'error',
  target: 'deploy/shop',
  message: 'Target deploy/shop does not render',
  file: 'deploy/shop/web.yaml',
  line: 3,
  overridden: false,
  introduced: true,
  ...overrides,
});

/** Every fence opened is closed and every <details> is closed, in order. */
function assertBalanced(text: string): void {
  let fence: string | null = null;
  let details = 0;
  for (const line of text.split('\n')) {
    const match = /^(`{3,})/.exec(line);
    if (fence) {
      if (line === fence) fence = null;
      continue;
    }
    if (match) fence = match[1]!;
    if (line === '<details>') details++;
    if (line === '</details>') details--;
    expect(details).toBeGreaterThanOrEqual(0);
  }
  expect(fence).toBeNull();
  expect(details).toBe(0);
}

describe('markdown comment', () => {
  it('has the marker, verdict, counts, a section per target and a footer with both SHAs', () => {
    const text = renderMarkdown(reviewOf([deploy('web', [{ name: 'web', image: 'a:1' }])], [deploy('web', [{ name: 'web', image: 'a:2' }])]));
    const lines = text.split('\n');
    expect(lines[0]).toBe(COMMENT_MARKER);
    expect(lines[1]).toBe(`<!-- safe-deploy:head ${'b'.repeat(40)} -->`);
    expect(lines[2]).toBe('## ✅ safe-deploy: safe to merge');
    expect(text).toContain('**0 created · 1 updated · 0 replaced · 0 deleted** in 1 target');
    expect(text).toContain('### What happens when this merges\n\n1 workload rolls out (3 pods)\n');
    expect(text).toContain('<details>\n<summary><b>deploy/shop</b> · plain · 1 updated</summary>');
    expect(text).toContain('#### ✏️ update <code>Deployment shop/web</code>');
    expect(text).toContain('- 🔄 rollout: 3 pods replaced by a rolling update');
    expect(text).toMatch(/```diff\n@@ [^\n]+\n[\s\S]*-          image: a:1\n\+          image: a:2/);
    expect(text).not.toContain('+++ b/');
    expect(text).toContain(`Reviewed base <code>${'a'.repeat(40)}</code> → head <code>${'b'.repeat(40)}</code>`);
    assertBalanced(text);
  });

  it('shows a blocked verdict and a findings table, errors first, with source links', () => {
    const review = reviewOf([], [], [finding({ severity: 'warning', rule: 'w' }), finding()]);
    const text = renderMarkdown(review, { sourceLink: (file, line) => `https://example.com/blob/x/${file}#L${line}`, rulesUrl: 'https://example.com/rules.md' });
    expect(text.split('\n')[2]).toBe('## ❌ safe-deploy: this merge is blocked');
    const rows = text.split('\n').filter((l) => l.startsWith('| ❌') || l.startsWith('| ⚠️'));
    expect(rows[0]).toBe(
      '| ❌ error | [<code>render-failed</code>](https://example.com/rules.md#render-failed)<br><sub>A target fails to render at head</sub> | target deploy/shop | Target deploy/shop does not render | [<code>deploy/shop/web.yaml:3</code>](https://example.com/blob/x/deploy/shop/web.yaml#L3) |',
    );
    expect(rows[1]).toMatch(/^\| ⚠️ warning \| <code>w<\/code>/);
  });

  it('escapes hostile text so it cannot break the table, open HTML or mention people', () => {
    expect(escapeText('a|b <script> @team `x`')).toBe('a&#124;b &lt;script&gt; <code>&#64;</code>team &#96;x&#96;');
    expect(code('</code><img src=x>')).toBe('<code>&lt;/code&gt;&lt;img src=x&gt;</code>');
  });

  it('keeps hostile names literal inside code: no link, image, autolink, reference, mention, comment or hidden text', () => {
    expect(code('[x](https://evil.example/p)')).toBe('<code>&#91;x&#93;(https&#58;//evil.example/p)</code>');
    expect(code('![i](http://evil.example/i.png)')).toBe('<code>!&#91;i&#93;(http&#58;//evil.example/i.png)</code>');
    expect(code('see www.evil.example')).toBe('<code>see www&#46;evil.example</code>');
    expect(code('org/repo#1 @admins')).toBe('<code>org/repo&#35;1 &#64;admins</code>');
    expect(code('a_b*c~~d~~')).toBe('<code>a&#95;b&#42;c&#126;&#126;d&#126;&#126;</code>');
    expect(code('x<!-- safe-deploy:review -->')).toBe('<code>x&lt;!-- safe-deploy:review --&gt;</code>');
    // Bidi controls and zero-width characters are written out.
    expect(code('web\u202Egnp.exe\u200B')).toBe('<code>web&lt;U+202E&gt;gnp.exe&lt;U+200B&gt;</code>');
  });

  it('encodes link paths so a file name with parentheses cannot end the link', () => {
    expect(linkPath("deploy/a (copy)/it's!*.yaml")).toBe('deploy/a%20%28copy%29/it%27s%21%2A.yaml');
  });

  it('breaks references and mentions in text by giving each sigil a code element of its own', () => {
    expect(escapeText('org/repo#1, @admins, !2, ~bug, %v1, $3, &4')).toBe(
      'org/repo<code>&#35;</code>1, <code>&#64;</code>admins, <code>&#33;</code>2, <code>&#126;</code>bug, <code>&#37;</code>v1, <code>&#36;</code>3, <code>&amp;</code>4',
    );
    expect(escapeText('[x](https://e.example) *b* www.e.example: done!')).toBe('&#91;x&#93;(https&#58;//e.example) &#42;b&#42; www&#46;e.example: done!');
    expect(escapeText('\u2067rtl\u2069')).toBe('&lt;U+2067&gt;rtl&lt;U+2069&gt;');
    expect(fenced('diff', '+ name: a\u202Eb')).toEqual(['```diff', '+ name: a<U+202E>b', '```']);
  });

  it('escapes within a length by cutting the text first, never an entity', () => {
    expect(escapeTextWithin('a|b', 20)).toBe('a&#124;b');
    // "|" takes 6 characters escaped: 3 of them and the ellipsis fit in 20.
    expect(escapeTextWithin('||||||', 20)).toBe('&#124;&#124;&#124;…');
    // An invisible character takes 14: two and the ellipsis make 29.
    expect(escapeTextWithin('\u200B'.repeat(10), 30)).toBe('&lt;U+200B&gt;&lt;U+200B&gt;…');
  });

  it('uses a fence longer than any backtick run in the diff', () => {
    expect(fenced('diff', '+ text with ```` inside')).toEqual(['`````diff', '+ text with ```` inside', '`````']);
    const cm = (v: string) => res({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'md' }, data: { 'README.md': v } });
    const text = renderMarkdown(reviewOf([cm('```\nold\n```\n')], [cm('```\nnew\n```\n')]));
    assertBalanced(text);
    expect(text).toContain('````diff');
  });

  it('says so when nothing changes', () => {
    expect(renderMarkdown(reviewOf([], []))).toContain('No Kubernetes object changes.');
  });
});

describe('size budget', () => {
  // Each object's image of its own: the same change on many objects would be told once as a repeated change.
  const many = (count: number, image: string) =>
    Array.from({ length: count }, (_, i) => deploy(`svc-${String(i).padStart(4, '0')}`, [{ name: 'app', image: `${image}-${i}`, args: Array(i % 7 === 0 ? 40 : 1).fill(`--image=${image}-${i}`) }]));

  it('fits 5,000 changed objects into 65,536 characters, keeping verdict, counts and findings', () => {
    const findings = Array.from({ length: 30 }, (_, i) => finding({ message: `finding number ${i}` }));
    const review = reviewOf(many(5000, 'app:1'), many(5000, 'app:2'), findings);
    const text = renderMarkdown(review, { limit: 65_536 });
    expect(text.length).toBeLessThanOrEqual(65_536);
    expect(text).toContain('**0 created · 5000 updated · 0 replaced · 0 deleted**');
    for (let i = 0; i < 30; i++) expect(text).toContain(`finding number ${i} |`);
    expect(text).toMatch(/> \*\*Note:\*\* 5000 resource diffs left out to fit the comment size limit/);
    assertBalanced(text);
  });

  it('drops the largest diffs first and keeps the others whole', () => {
    const base = many(60, 'app:1');
    const head = many(60, 'app:2');
    const full = renderMarkdown(reviewOf(base, head), { limit: 10_000_000 });
    const limit = Math.floor(full.length * 0.7);
    const text = renderMarkdown(reviewOf(base, head), { limit });
    expect(text.length).toBeLessThanOrEqual(limit);
    assertBalanced(text);
    // Objects with long args (every 7th) have the largest diffs: they go first.
    expect(text).toContain('Diff not shown: the comment is over the size limit. Reply <code>/safe-deploy show Deployment/svc-0000</code>');
    expect(text).not.toContain('/safe-deploy show Deployment/svc-0001`');
    expect(text).toMatch(/#### ✏️ update <code>Deployment shop\/svc-0001<\/code>[\s\S]*?```diff/);
  });

  it('leaves out the blast-radius diagram before any diff', () => {
    const config = (v: string) => res({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'shared', namespace: 'shop' }, data: { v } });
    const users = (image: string) => many(8, image).map((d) => ({ ...d, object: { ...d.object, spec: { ...(d.object.spec as object), template: { metadata: { labels: { app: d.name } }, spec: { containers: [{ name: 'app', image: `${image}-${d.name}`, envFrom: [{ configMapRef: { name: 'shared' } }] }] } } } } }));
    const review = reviewOf([config('1'), ...users('app:1')], [config('2'), ...users('app:2')]);
    const full = renderMarkdown(review, { limit: 10_000_000 });
    expect(full).toContain('<details><summary><b>Blast radius</b> · 9 objects</summary>');
    expect(full).toMatch(/```mermaid\nflowchart LR\n {2}n0\["ConfigMap<br>shop\/shared<br>update"\]\n/);
    const text = renderMarkdown(review, { limit: full.length - 1 });
    expect(text).not.toContain('```mermaid');
    expect(text).toContain('_Blast-radius diagram left out to fit the comment size limit._');
    expect(text).not.toContain('Diff not shown');
    expect(text.match(/```diff/g)).toHaveLength(9);
    assertBalanced(text);
  });

  it('keeps the reviews needed whole and small, whatever the merge request names', () => {
    // Reasons as long as the core makes them, of characters that escape the longest.
    const hostile = `${'|\u200B'.repeat(80)}`;
    const reviews: RoutedReview[] = Array.from({ length: 15 }, (_, i) => ({
      name: `entry ${i}`,
      require: Array.from({ length: 20 }, (_, j) => `@org-${'x'.repeat(30)}/team-${j}`),
      because: [...Array(5).fill(hostile), 'and 9 more'],
      approvedBy: [],
      satisfied: false,
    }));
    const text = renderMarkdown(reviewOf(many(5000, 'app:1'), many(5000, 'app:2')), { limit: 65_536, reviews });
    expect(text.length).toBeLessThanOrEqual(65_536);
    const section = text.slice(text.indexOf('### Reviews needed (15 of 15 open)'), text.indexOf('_Only an approval of this head counts'));
    expect(section.match(/^\| entry \d+ \|/gm)).toHaveLength(10);
    expect(section).toContain('_…and 5 more: see the `safe-deploy/approvals` check._');
    expect(section.length).toBeLessThan(40_000);
    for (const cell of section.split('<br>').slice(1, 5)) expect(cell.length).toBeLessThanOrEqual(320);
    assertBalanced(text);
  });

  it('keeps findings ahead of everything when even the list is too long', () => {
    const findings = Array.from({ length: 2000 }, (_, i) => finding({ message: `finding ${i} ${'x'.repeat(60)}` }));
    const text = renderMarkdown(reviewOf(many(50, 'a:1'), many(50, 'a:2'), findings), { limit: 65_536 });
    expect(text.length).toBeLessThanOrEqual(65_536);
    expect(text).toContain('finding 0 ');
    expect(text).toMatch(/_\d+ more findings not shown for size/);
    expect(text).toContain('## ❌ safe-deploy: this merge is blocked');
    assertBalanced(text);
  });
});

describe('repeated changes', () => {
  it('tell hostile keys, values and kinds as text, and keep the comment balanced', () => {
    const HOSTILE = '</code><img src=x onerror=alert(1)>`@team [x](http://evil)';
    const obj = (kind: string, name: string, value: string) => res({ apiVersion: 'example.com/v1', kind, metadata: { name, namespace: 'shop', labels: { [HOSTILE]: value } }, spec: {} });
    const kinds = ['Widget', `W<script>alert(1)</script>`, 'Gadget'];
    const text = renderMarkdown(reviewOf(kinds.map((k, i) => obj(k, `o${i}`, `${HOSTILE}-1`)), kinds.map((k, i) => obj(k, `o${i}`, `${HOSTILE}-2`))));
    const line = text.split('\n').find((l) => l.startsWith('- label '))!;
    expect(line).toContain(' on 3 objects (1 Widget, 1 W&lt;script&gt;alert(1)&lt;/script&gt;, 1 Gadget): ');
    expect(line).not.toMatch(/<img|<script|\]\(http/);
    expect(text).toContain('Every change of 1 target is listed above');
    assertBalanced(text);
  });
});

describe('targets without changes', () => {
  it('are named on one line, not given a section', () => {
    const quiet = { name: 'apps/quiet', path: 'apps/quiet', renderer: 'kustomize' as const, status: 'ok' as const, changes: [] };
    const text = renderMarkdown(reviewOf([deploy('w', [{ name: 'w', image: 'a' }])], [deploy('w', [{ name: 'w', image: 'b' }])], [], [quiet]));
    expect(text).toContain('Rendered with no changes: <code>apps/quiet</code>');
    expect(text).not.toContain('<b>apps/quiet</b>');
  });
});
