// The openAPIV3Schema of a CRD version, read as the API server reads it:
// converted to a JSON Schema ajv compiles, and to the field tree of the names it
// declares. Only the structural-schema dialect matters; CEL rules
// (x-kubernetes-validations) and formats are not checked.
import { isObject, type JsonObject, type JsonValue } from '../resource.js';
import { ANY, LEAF, type FieldTree } from './field-tree.js';

/**
 * Keywords that carry over to JSON Schema draft-07 unchanged. Not uniqueItems:
 * the API server refuses it in a CRD (quadratic in the list's length).
 */
const KEPT = ['required', 'pattern', 'minimum', 'maximum', 'minLength', 'maxLength', 'minItems', 'maxItems', 'minProperties', 'maxProperties', 'multipleOf'];

/**
 * One schema node in JSON Schema terms. Null is accepted everywhere: the API
 * server drops nulls the schema does not declare nullable before it validates.
 */
export function toJsonSchema(node: JsonValue): JsonObject {
  if (!isObject(node)) return {};
  const out: JsonObject = {};
  for (const key of KEPT) if (node[key] !== undefined) out[key] = node[key]!;
  if (node['x-kubernetes-int-or-string'] === true) out.type = ['integer', 'string', 'null'];
  else if (typeof node.type === 'string') out.type = [node.type, 'null'];
  if (Array.isArray(node.enum)) out.enum = [...node.enum, null];
  // OpenAPI 3.0 writes exclusive bounds as booleans next to minimum/maximum.
  for (const [flag, bound] of [['exclusiveMinimum', 'minimum'], ['exclusiveMaximum', 'maximum']] as const) {
    if (node[flag] === true && typeof node[bound] === 'number') {
      out[flag] = node[bound];
      delete out[bound];
    }
  }
  if (isObject(node.properties)) out.properties = Object.fromEntries(Object.entries(node.properties).map(([k, v]) => [k, toJsonSchema(v)]));
  if (isObject(node.items)) out.items = toJsonSchema(node.items);
  if (isObject(node.additionalProperties)) out.additionalProperties = toJsonSchema(node.additionalProperties);
  for (const key of ['allOf', 'anyOf', 'oneOf'] as const) {
    const list = node[key];
    if (Array.isArray(list)) out[key] = list.map(toJsonSchema);
  }
  if (isObject(node.not)) out.not = toJsonSchema(node.not);
  return out;
}

/** The schema of a whole custom resource: its metadata is the API server's ObjectMeta, checked apart. */
export function customResourceSchema(root: JsonObject): JsonObject {
  const schema = toJsonSchema(root);
  if (isObject(schema.properties)) {
    const { metadata: _ignored, ...rest } = schema.properties;
    schema.properties = rest;
  }
  if (Array.isArray(schema.required)) schema.required = schema.required.filter((name) => name !== 'metadata');
  return schema;
}

/** The names a schema node declares; `objectMeta` is the tree of metadata wherever a resource is embedded. */
export function crdFieldTree(node: JsonValue, objectMeta: FieldTree): FieldTree {
  if (!isObject(node)) return ANY;
  const preserve = node['x-kubernetes-preserve-unknown-fields'] === true;
  if (isObject(node.properties) || node['x-kubernetes-embedded-resource'] === true) {
    const properties = isObject(node.properties) ? node.properties : {};
    const declared = new Map<string, FieldTree>();
    const field = (name: string): FieldTree | undefined => {
      let child = declared.get(name);
      if (child) return child;
      if (Object.hasOwn(properties, name)) child = crdFieldTree(properties[name]!, objectMeta);
      else if (node['x-kubernetes-embedded-resource'] === true && (name === 'apiVersion' || name === 'kind')) child = LEAF;
      else if (node['x-kubernetes-embedded-resource'] === true && name === 'metadata') child = objectMeta;
      if (child) declared.set(name, child);
      return child;
    };
    const names = Object.keys(properties);
    return { kind: 'struct', field, names: () => names, ...(preserve ? { open: true } : {}) };
  }
  if (preserve) return ANY;
  if (isObject(node.additionalProperties)) {
    const value = node.additionalProperties;
    return { kind: 'map', value: () => crdFieldTree(value, objectMeta) };
  }
  if (node.additionalProperties === true) return ANY;
  if (isObject(node.items)) {
    const item = node.items;
    return { kind: 'list', item: () => crdFieldTree(item, objectMeta) };
  }
  if (node.type === 'object') return { kind: 'struct', field: () => undefined, names: () => [] };
  // A scalar; a node without a type is not structural: nothing to say about its fields.
  return node.type === undefined ? ANY : LEAF;
}

/** The tree of a whole custom resource: apiVersion, kind and metadata are the API server's. */
export function customResourceFieldTree(root: JsonObject, objectMeta: FieldTree): FieldTree {
  const { metadata: _own, ...properties } = isObject(root.properties) ? root.properties : {};
  return crdFieldTree({ ...root, 'x-kubernetes-embedded-resource': true, properties }, objectMeta);
}
