// Safe Markdown pieces: names, messages and diffs come from merge requests and
// tools and are hostile. Nothing of them may open HTML or a comment, a link or
// an image, emphasis, a table cell, an autolink, a mention or a cross-reference,
// close a code fence, or hide and reorder text with invisible characters.

// Bidi controls reorder what a reviewer sees; zero-width characters hide text. Shown as <U+XXXX>.
const INVISIBLE = /[\u061C\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]/g;

/** Invisible and reordering characters written out, so a reviewer sees them. */
export function visible(text: string): string {
  return text.replace(INVISIBLE, (c) => `<U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}>`);
}

// What Markdown, GFM or HTML give a meaning to in running text: as an entity it is
// text, since entities never open syntax (CommonMark §2.5, §6.2). "[" is enough to
// stop links and images; autolinks start at "://" or "www.".
const ACTIVE = /[&<>|`\\*_[\]~\r\n]/g;
const NAMED: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '\n': ' ', '\r': ' ' };

function entity(c: string): string {
  return NAMED[c] ?? `&#${c.charCodeAt(0)};`;
}

function literal(text: string): string {
  return visible(text).replace(ACTIVE, entity).replace(/:(?=\/\/)/g, '&#58;').replace(/(w{3})\./gi, '$1&#46;');
}

// Mentions (@team), references (#1, org/repo#1, GitLab's !1 ~label %milestone $snippet &epic) are
// found in the rendered text, where entities are already decoded; a sigil in a code element is not.
// (Our own entities, "&#…;", are not sigils.)
const SIGIL = /(?<!&)[#@!%$](?=\w)|&#126;(?=\w)|&amp;(?=\w)/g;

const asEntity = (sigil: string) => (sigil.startsWith('&') ? sigil : entity(sigil));

/** Text for a table cell, list item or summary line. */
export function escapeText(text: string): string {
  return literal(text).replace(SIGIL, (sigil) => `<code>${asEntity(sigil)}</code>`);
}

/**
 * escapeText within `max` characters: escaping can make hostile text many times longer
 * (entities, invisible characters written out), so the text is cut before escaping.
 */
export function escapeTextWithin(text: string, max: number): string {
  const whole = escapeText(text);
  if (whole.length <= max) return whole;
  const chars = Array.from(text);
  const cut = (n: number) => escapeText(`${chars.slice(0, n).join('')}…`);
  // The longest prefix that fits, found by halving.
  let [fits, over] = [0, chars.length];
  while (over - fits > 1) {
    const mid = Math.floor((fits + over) / 2);
    if (cut(mid).length <= max) fits = mid;
    else over = mid;
  }
  return cut(fits);
}

/** Inline code that survives tables and hostile content. */
export function code(text: string): string {
  return `<code>${literal(text).replace(SIGIL, asEntity)}</code>`;
}

/** A deliberate @mention of a platform user (their login, reduced to the characters logins may hold). */
export function mention(username: string): string {
  return `@${username.replace(/[^A-Za-z0-9._-]/g, '')}`;
}

/** A fenced code block whose fence is longer than any backtick run inside, invisible characters shown. */
export function fenced(language: string, body: string): string[] {
  const shown = visible(body);
  const longest = (shown.match(/`+/g) ?? []).reduce((max, run) => Math.max(max, run.length), 0);
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return [`${fence}${language}`, shown, fence];
}

/** A repository path for a link URL: every segment encoded, parentheses too, so a file name cannot end a Markdown link. */
export function linkPath(file: string): string {
  return file
    .split('/')
    .map((part) => encodeURIComponent(part).replace(/[()'!*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`))
    .join('/');
}
