// How kubectl reads a decoded manifest document: which parts are Kubernetes
// objects, and why it refuses the others. Pure; the parsing is util/manifests.
import { isObject, objectName, type JsonObject } from './resource.js';

/** Files read as manifests. */
export const MANIFEST_EXTENSIONS = /\.(ya?ml|json)$/i;

/** What kubectl makes of one decoded document: objects, or why it refuses a part. */
export type Reading = { object: JsonObject; item?: number } | { refusal: string; item?: number };

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
export function kubectlReading(value: unknown): Reading[] {
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
