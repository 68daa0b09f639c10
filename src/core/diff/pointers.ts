// JSON pointers (RFC 6901) removed from an object: how Argo CD's ignoreDifferences leaves
// fields out of the comparison.
import { isObject, type JsonObject, type JsonValue } from '../resource.js';

/** RFC 6901 reference tokens of a pointer ("/metadata/labels/a~1b" → ["metadata", "labels", "a/b"]). */
function tokens(pointer: string): string[] | null {
  if (!pointer.startsWith('/')) return null;
  return pointer.slice(1).split('/').map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** The object without the value at `pointer` (copied along the path only); unchanged when absent. */
export function withoutPointer(object: JsonObject, pointer: string): JsonObject {
  const path = tokens(pointer);
  if (!path || path.length === 0) return object;
  const remove = (node: JsonValue | undefined, depth: number): JsonValue | undefined => {
    const token = path[depth]!;
    const last = depth === path.length - 1;
    if (isObject(node)) {
      if (!(token in node)) return node;
      const { [token]: child, ...rest } = node;
      if (last) return rest;
      const next = remove(child, depth + 1);
      return next === child ? node : { ...rest, [token]: next! };
    }
    if (Array.isArray(node) && /^(0|[1-9]\d*)$/.test(token) && Number(token) < node.length) {
      const index = Number(token);
      if (last) return node.filter((_, i) => i !== index);
      const next = remove(node[index], depth + 1);
      return next === node[index] ? node : node.map((item, i) => (i === index ? next! : item));
    }
    return node;
  };
  return remove(object, 0) as JsonObject;
}

export function withoutPointers(object: JsonObject, pointers: string[]): JsonObject {
  return pointers.reduce(withoutPointer, object);
}
