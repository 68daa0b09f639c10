// Argo CD's templates without goTemplate: valyala/fasttemplate with "{{" "}}" tags,
// a tag replaced by the parameter of that (trimmed) name when it is a string, any
// other tag left as written.
import type { JsonValue } from '../../core/resource.js';
import { RenderError } from '../../errors.js';

// Argo CD leaves a string without a "{{…}}" on one line untouched, unparsed.
const TEMPLATED = /\{\{.*\}\}/;

export function fasttemplate(text: string, params: Record<string, JsonValue>): string {
  if (!TEMPLATED.test(text)) return text;
  let out = '';
  let rest = text;
  for (;;) {
    const start = rest.indexOf('{{');
    if (start === -1) return out + rest;
    out += rest.slice(0, start);
    rest = rest.slice(start + 2);
    const end = rest.indexOf('}}');
    if (end === -1) throw new RenderError(`template ${JSON.stringify(text)}: cannot find end tag "}}"`);
    const tag = rest.slice(0, end);
    rest = rest.slice(end + 2);
    const value = params[tag.trim()];
    out += tag.trim() && typeof value === 'string' ? value : `{{${tag}}}`;
  }
}
