// Kubernetes objects out of a YAML (or JSON) stream, each with its line, read the
// way kubectl reads a manifest file, within bounded memory and time (large files
// parse in a worker thread, so this lives in util/; the reading itself is core's).
import { kubectlSegments } from '../core/json-stream.js';
import { kubectlReading } from '../core/manifests.js';
import { toResource, type Resource } from '../core/resource.js';
import { RenderError } from '../errors.js';
import { readYaml } from './yaml-read.js';

export interface ParseOptions {
  /** The file an object comes from, read from the comment above it (Helm's "# Source:"); the line is then unknown. */
  fileFromComment?: (comment: string) => string | undefined;
}

/** A document kubectl would refuse to apply: it is not a Kubernetes object. */
export interface Refusal {
  reason: string;
  file: string;
  line?: number;
}

export interface Manifests {
  resources: Resource[];
  refused: Refusal[];
}

/**
 * Parses every document of `text` (the content of `file`) as kubectl would
 * (JSON streams included) and returns the Kubernetes objects in it, and the
 * documents kubectl would refuse. Empty and null documents are skipped, as
 * kubectl skips them. Invalid YAML or JSON throws a RenderError with the file and line.
 */
export async function readManifests(text: string, file: string, defaultNamespace: string, options: ParseOptions = {}): Promise<Manifests> {
  const manifests: Manifests = { resources: [], refused: [] };
  for (const segment of kubectlSegments(text, file)) await readSegment(segment.text, file, segment.line - 1, defaultNamespace, options, manifests);
  return manifests;
}

async function readSegment(text: string, file: string, firstLine: number, defaultNamespace: string, options: ParseOptions, into: Manifests): Promise<void> {
  const at = (line: number | undefined) => (line === undefined ? undefined : firstLine + line);
  for (const doc of await readYaml(text, file, { kubernetes: true })) {
    if (doc.error) throw new RenderError(`invalid YAML: ${doc.error.message}`, file, at(doc.error.line));
    const commented = options.fileFromComment?.(doc.comment);
    const source = (line: number | undefined) => (commented || line === undefined ? { file: commented || file } : { file, line: at(line)! });
    const value = doc.value;
    if (value === null || value === undefined) continue;
    for (const reading of kubectlReading(value)) {
      const where = source(reading.item === undefined ? doc.line : (doc.itemLines?.[reading.item] ?? doc.line));
      if ('refusal' in reading) {
        into.refused.push({ reason: reading.refusal, ...where });
        continue;
      }
      const resource = toResource(reading.object, defaultNamespace, where);
      if (resource) into.resources.push(resource);
    }
  }
}

/** The objects of `text`; documents that are not Kubernetes objects are skipped (tool output, configuration files). */
export async function parseObjects(text: string, file: string, defaultNamespace: string, options: ParseOptions = {}): Promise<Resource[]> {
  return (await readManifests(text, file, defaultNamespace, options)).resources;
}
