// Kubernetes objects out of a YAML (or JSON) stream, each with its line, read the
// way kubectl reads a manifest file, within bounded memory and time.
import { RenderError } from '../errors.js';
import { isObject, objectName, toResource, type JsonObject, type Resource } from '../core/resource.js';
import { readYaml } from '../util/yaml-read.js';
import { kubectlSegments } from './json-stream.js';

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

/** What kubectl makes of one decoded document: objects, or why it refuses a part. */
type Reading = { object: JsonObject; item?: number } | { refusal: string; item?: number };

function missingFields(object: JsonObject): string[] {
  const metadata = object.metadata;
  return [
    ...(typeof object.apiVersion === 'string' && object.apiVersion ? [] : ['apiVersion']),
    ...(typeof object.kind === 'string' && object.kind ? [] : ['kind']),
    ...(objectName(metadata) !== null ? [] : ['metadata.name']),
  ];
}

function asObject(value: JsonObject, item?: number): Reading {
  const missing = missingFields(value);
  const at = item === undefined ? {} : { item };
  return missing.length ? { refusal: `not a Kubernetes object: no ${missing.join(', ')}`, ...at } : { object: value, ...at };
}

/**
 * kubectl's reading of a document (apimachinery's unstructured decoder): any
 * object with an "items" key is a list, whatever its kind; its items that name
 * neither kind nor apiVersion take the list's ("ConfigMapList" → ConfigMap).
 */
function kubectlReading(value: unknown): Reading[] {
  if (!isObject(value)) return [{ refusal: `not a Kubernetes object but ${Array.isArray(value) ? 'a list' : `a ${typeof value}`}` }];
  if (!('items' in value)) return [asObject(value)];
  const { kind, apiVersion, items } = value;
  if (typeof kind !== 'string' || !kind) return [{ refusal: 'not a Kubernetes object: a list with no kind' }];
  if (items === null) return [];
  if (!Array.isArray(items)) return [{ refusal: 'not a Kubernetes object: "items" is not a list' }];
  return items.map((item, i): Reading => {
    if (!isObject(item)) return { refusal: 'a list item that is not an object', item: i };
    if ('items' in item) return { refusal: 'a list inside a list', item: i };
    const inherits = !(typeof item.kind === 'string' && item.kind) && !(typeof item.apiVersion === 'string' && item.apiVersion);
    return asObject(inherits ? { ...item, apiVersion: apiVersion ?? null, kind: kind.replace(/List$/, '') } : item, i);
  });
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
