// Who owns a field in the cluster: metadata.managedFields, whose fieldsV1 sets are
// trees of "f:<field>", "k:<key fields as JSON>" (list items by key), "v:<value>"
// (set items), "i:<index>" and "." (the node itself); an empty tree is a leaf.
import { isObject, type JsonObject, type JsonValue } from '../resource.js';
import type { Step } from './set-fields.js';

export interface FieldOwner {
  manager: string;
  operation: string;
  subresource?: string;
}

/** Whether the key fields of a "k:" entry all hold in the cluster's item. */
function keyMatches(entry: string, item: JsonValue | undefined): boolean {
  if (!isObject(item)) return false;
  let key: JsonValue;
  try {
    key = JSON.parse(entry.slice(2)) as JsonValue;
  } catch {
    return false;
  }
  return isObject(key) && Object.entries(key).every(([field, value]) => item[field] === value);
}

/** The child of a fieldsV1 node for one step; `item` is the cluster's list item the step names. */
function child(node: JsonObject, step: Step, item: JsonValue | undefined): JsonValue | undefined {
  if ('field' in step) return node[`f:${step.field}`];
  if ('index' in step) return node[`i:${step.index}`];
  const entry = Object.keys(node).find((k) => k.startsWith('k:') && keyMatches(k, item));
  return entry === undefined ? undefined : node[entry];
}

/** Whether a fieldsV1 set holds the field at `steps` (or an atomic field above it). */
function owns(fields: JsonValue | undefined, steps: Step[], items: Array<JsonValue | undefined>): boolean {
  let node = fields;
  for (const [i, step] of steps.entries()) {
    if (!isObject(node)) return false;
    // A leaf above the path: the manager owns that whole (atomic) value.
    if (i > 0 && Object.keys(node).length === 0) return true;
    node = child(node, step, items[i]);
  }
  return isObject(node);
}

/**
 * The managers that own the field at `steps` of the live object (items[i] is the
 * live value reached after steps[i], to match list items by their key fields), in
 * managedFields order and one at a time: a caller that needs the first one stops
 * there, however many entries a hostile object carries.
 */
export function* ownersOf(live: JsonObject, steps: Step[], items: Array<JsonValue | undefined>): Generator<FieldOwner> {
  const entries = isObject(live.metadata) && Array.isArray(live.metadata.managedFields) ? live.metadata.managedFields : [];
  for (const entry of entries) {
    if (!isObject(entry) || typeof entry.manager !== 'string' || !owns(entry.fieldsV1, steps, items)) continue;
    yield { manager: entry.manager, operation: String(entry.operation ?? ''), ...(typeof entry.subresource === 'string' && entry.subresource ? { subresource: entry.subresource } : {}) };
  }
}
