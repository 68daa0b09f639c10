// Helm validates values against each chart's values.schema.json and resolves
// the schema's references itself: an http(s) `$ref` is fetched and a file one is
// read from the disk helm runs on. A chart's schema may only refer inside itself.
import { RenderError } from '../errors.js';
import type { Snapshot } from '../repo/snapshot.js';

const REFERENCES = new Set(['$ref', '$dynamicRef', '$recursiveRef']);
// The metaschemas helm's validator knows without loading anything.
const KNOWN_DRAFTS = /^https?:\/\/json-schema\.org\/(draft-0[4-7]\/schema|draft\/(2019-09|2020-12)\/schema)#?$/;

function refusal(keyword: string, value: unknown): string | null {
  if (REFERENCES.has(keyword) && typeof value === 'string' && !value.startsWith('#')) {
    return `${keyword} "${value}" makes helm load another document, over the network or from its disk; refused: put it under $defs and refer to "#/$defs/…"`;
  }
  if (keyword === '$schema' && typeof value === 'string' && !KNOWN_DRAFTS.test(value)) {
    return `$schema "${value}" is not a JSON Schema draft helm knows, so it would be loaded; refused`;
  }
  return null;
}

function check(node: unknown, file: string): void {
  if (Array.isArray(node)) {
    for (const item of node) check(item, file);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  for (const [key, value] of Object.entries(node)) {
    const problem = refusal(key, value);
    if (problem) throw new RenderError(problem, file);
    check(value, file);
  }
}

/** Refuses any values.schema.json of the chart (subcharts in directories included) that refers outside itself. */
export async function checkSchemas(snapshot: Snapshot, chart: string): Promise<void> {
  const prefix = chart ? `${chart}/` : '';
  for (const file of snapshot.filesUnder(chart).filter((f) => f === `${prefix}values.schema.json` || f.endsWith('/values.schema.json'))) {
    let schema: unknown;
    try {
      schema = JSON.parse(await snapshot.readText(file));
      check(schema, file);
    } catch (error) {
      if (error instanceof RenderError) throw error;
      // Unreadable here means unjudged: fail closed rather than let helm read it differently.
      throw new RenderError(`values.schema.json cannot be read (${error instanceof RangeError ? 'nested too deeply' : 'invalid JSON'}); refused`, file);
    }
  }
}

/** Vendored subchart archives: their schemas cannot be judged before helm opens them. */
export function hasArchivedSubcharts(snapshot: Snapshot, chart: string): boolean {
  return snapshot.filesUnder(chart).some((f) => /(^|\/)charts\/[^/]+\.tgz$/.test(f));
}
