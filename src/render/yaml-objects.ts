// Kubernetes objects out of a YAML (or JSON) stream, each with its line, read the
// way kubectl reads a manifest file.
import { isMap, isSeq, LineCounter, parseAllDocuments, type Document } from 'yaml';
import { RenderError } from '../errors.js';
import { isObject, toResource, type JsonObject, type Resource } from '../core/resource.js';
import { kubectlSegments } from './json-stream.js';

// Kubernetes reads manifests as YAML 1.1 (yes/no booleans, 0755 octal); so do we.
// Duplicate keys are refused: kubectl keeps the last, other tools refuse them, so no prediction is exact.
const PARSE_OPTIONS = { version: '1.1', uniqueKeys: true, merge: true } as const;
const MAX_ALIASES = 100;

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
    ...(isObject(metadata) && typeof metadata.name === 'string' && metadata.name ? [] : ['metadata.name']),
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
export function readManifests(text: string, file: string, defaultNamespace: string, options: ParseOptions = {}): Manifests {
  const manifests: Manifests = { resources: [], refused: [] };
  for (const segment of kubectlSegments(text, file)) readSegment(segment.text, file, segment.line - 1, defaultNamespace, options, manifests);
  return manifests;
}

function readSegment(text: string, file: string, firstLine: number, defaultNamespace: string, options: ParseOptions, into: Manifests): void {
  const lineCounter = new LineCounter();
  const lineOf = (offset: number) => firstLine + lineCounter.linePos(offset).line;
  const documents = (() => {
    try {
      return parseAllDocuments(text, { ...PARSE_OPTIONS, lineCounter });
    } catch (error) {
      // Pathological input (thousands of nested levels) exhausts the parser's stack.
      if (error instanceof RangeError) throw new RenderError('invalid YAML: nested too deeply to read', file);
      throw error;
    }
  })();
  for (const doc of Array.isArray(documents) ? documents : [documents]) {
    const [error] = doc.errors;
    if (error) {
      const line = error.linePos?.[0].line;
      throw new RenderError(`invalid YAML: ${error.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`, file, line === undefined ? undefined : firstLine + line);
    }
    const commented = options.fileFromComment?.(doc.commentBefore ?? doc.contents?.commentBefore ?? '');
    const source = (offset: number | undefined) => (commented || offset === undefined ? { file: commented || file } : { file, line: lineOf(offset) });
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIASES });
    } catch (cause) {
      const reason = cause instanceof RangeError ? 'nested too deeply to read' : (cause as Error).message.split('\n')[0];
      throw new RenderError(`invalid YAML: ${reason}`, file, lineOf(doc.contents?.range[0] ?? 0));
    }
    if (value === null || value === undefined) continue;
    const items = itemNodes(doc);
    for (const reading of kubectlReading(value)) {
      const at = source(reading.item === undefined ? doc.contents?.range[0] : (items[reading.item] ?? doc.contents?.range[0]));
      if ('refusal' in reading) {
        into.refused.push({ reason: reading.refusal, ...at });
        continue;
      }
      const resource = toResource(reading.object, defaultNamespace, at);
      if (resource) into.resources.push(resource);
    }
  }
}

/** The objects of `text`; documents that are not Kubernetes objects are skipped (tool output, configuration files). */
export function parseObjects(text: string, file: string, defaultNamespace: string, options: ParseOptions = {}): Resource[] {
  return readManifests(text, file, defaultNamespace, options).resources;
}

function itemNodes(doc: Document): Array<number | undefined> {
  const items = isMap(doc.contents) ? doc.contents.get('items', true) : undefined;
  return isSeq(items) ? items.items.map((node) => (node as { range?: [number, number, number] }).range?.[0]) : [];
}
