// Kubernetes objects out of a YAML (or JSON) stream, each with its line.
import { RenderError } from '../errors.js';
import { isObject, toResource, type Resource } from '../core/resource.js';
import { readYaml, type YamlDocument } from '../util/yaml-read.js';

export interface ParseOptions {
  /** The file an object comes from, read from the comment above it (Helm's "# Source:"); the line is then unknown. */
  fileFromComment?: (comment: string) => string | undefined;
}

/**
 * Parses every document of `text` (the content of `file`) and returns the
 * Kubernetes objects in it (see resourcesOf). Kubernetes reads manifests as
 * YAML 1.1 (yes/no booleans, 0755 octal); so do we. Invalid YAML, or YAML too
 * large to read within the limits, throws a RenderError with the file and line.
 */
export async function parseObjects(text: string, file: string, defaultNamespace: string, options: ParseOptions = {}): Promise<Resource[]> {
  return resourcesOf(await readYaml(text, file, { kubernetes: true }), file, defaultNamespace, options);
}

/**
 * The Kubernetes objects of parsed documents: `*List` kinds are flattened, empty
 * documents and YAML that is not a Kubernetes object are skipped, and the first
 * document with an error throws a RenderError with the file and line.
 */
export function resourcesOf(documents: YamlDocument[], file: string, defaultNamespace: string, options: ParseOptions = {}): Resource[] {
  const resources: Resource[] = [];
  for (const doc of documents) {
    if (doc.error) throw new RenderError(`invalid YAML: ${doc.error.message}`, file, doc.error.line);
    const commented = options.fileFromComment?.(doc.comment);
    const source = (line: number | undefined) => ({ file: commented || file, ...(!commented && line ? { line } : {}) });
    const value = doc.value;
    if (!isObject(value)) continue;
    const items = value.items;
    if (typeof value.kind === 'string' && value.kind.endsWith('List') && Array.isArray(items)) {
      items.forEach((item, i) => {
        const resource = toResource(item, defaultNamespace, source(doc.itemLines?.[i] ?? doc.line));
        if (resource) resources.push(resource);
      });
      continue;
    }
    const resource = toResource(value, defaultNamespace, source(doc.line));
    if (resource) resources.push(resource);
  }
  return resources;
}
