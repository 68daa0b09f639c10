// Safe Markdown pieces: text from manifests and tools is untrusted and must not
// open HTML, break a table, mention people or close a code fence.

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '|': '&#124;', '@': '&#64;', '`': '&#96;', '\n': ' ', '\r': ' ' };

/** Text for a table cell, list item or summary line. */
export function escapeText(text: string): string {
  return text.replace(/([\\*_[\]~])/g, '\\$1').replace(/[&<>|@`\r\n]/g, (c) => ENTITIES[c]!);
}

/** Inline code that survives tables and hostile content. */
export function code(text: string): string {
  return `<code>${text.replace(/[&<>|@`\r\n]/g, (c) => ENTITIES[c]!)}</code>`;
}

/** A fenced code block whose fence is longer than any backtick run inside. */
export function fenced(language: string, body: string): string[] {
  const longest = (body.match(/`+/g) ?? []).reduce((max, run) => Math.max(max, run.length), 0);
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return [`${fence}${language}`, body, fence];
}
