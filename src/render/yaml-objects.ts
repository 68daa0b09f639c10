// Kubernetes objects out of a YAML (or JSON) stream, each with its line.
import { isMap, isSeq, LineCounter, parseAllDocuments, type Document } from 'yaml';
import { RenderError } from '../errors.js';
import { isObject, toResource, type Resource } from '../core/resource.js';

// Kubernetes reads manifests as YAML 1.1 (yes/no booleans, 0755 octal); so do we.
const PARSE_OPTIONS = { version: '1.1', uniqueKeys: true, merge: true } as const;
const MAX_ALIASES = 100;

/**
 * Parses every document of `text` (the content of `file`) and returns the
 * Kubernetes objects in it: `*List` kinds are flattened, empty documents and YAML
 * that is not a Kubernetes object are skipped. Invalid YAML throws a RenderError
 * with the file and line.
 */
export interface ParseOptions {
  /** The file an object comes from, read from the comment above it (Helm's "# Source:"); the line is then unknown. */
  fileFromComment?: (comment: string) => string | undefined;
}

export function parseObjects(text: string, file: string, defaultNamespace: string, options: ParseOptions = {}): Resource[] {
  const lineCounter = new LineCounter();
  const documents = (() => {
    try {
      return parseAllDocuments(text, { ...PARSE_OPTIONS, lineCounter });
    } catch (error) {
      // Pathological input (thousands of nested levels) exhausts the parser's stack.
      if (error instanceof RangeError) throw new RenderError('invalid YAML: nested too deeply to read', file);
      throw error;
    }
  })();
  const resources: Resource[] = [];
  for (const doc of Array.isArray(documents) ? documents : [documents]) {
    const [error] = doc.errors;
    if (error) {
      throw new RenderError(`invalid YAML: ${error.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`, file, error.linePos?.[0].line);
    }
    const commented = options.fileFromComment?.(doc.commentBefore ?? doc.contents?.commentBefore ?? '');
    const line = (offset: number | undefined) => (commented || offset === undefined ? undefined : lineCounter.linePos(offset).line);
    const source = (offset: number | undefined) => {
      const at = line(offset);
      return { file: commented || file, ...(at ? { line: at } : {}) };
    };
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIASES });
    } catch (cause) {
      const reason = cause instanceof RangeError ? 'nested too deeply to read' : (cause as Error).message.split('\n')[0];
      throw new RenderError(`invalid YAML: ${reason}`, file, lineCounter.linePos(doc.contents?.range[0] ?? 0).line);
    }
    if (!isObject(value)) continue;
    const items = value.items;
    if (typeof value.kind === 'string' && value.kind.endsWith('List') && Array.isArray(items)) {
      const nodes = itemNodes(doc);
      items.forEach((item, i) => {
        const resource = toResource(item, defaultNamespace, source(nodes[i] ?? doc.contents?.range[0]));
        if (resource) resources.push(resource);
      });
      continue;
    }
    const resource = toResource(value, defaultNamespace, source(doc.contents?.range[0]));
    if (resource) resources.push(resource);
  }
  return resources;
}

function itemNodes(doc: Document): Array<number | undefined> {
  const items = isMap(doc.contents) ? doc.contents.get('items', true) : undefined;
  return isSeq(items) ? items.items.map((node) => (node as { range?: [number, number, number] }).range?.[0]) : [];
}
