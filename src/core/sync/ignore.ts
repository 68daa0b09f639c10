// Argo CD's spec.ignoreDifferences: fields left out of the comparison. JSON
// pointers are evaluated here; jq expressions and managed-field managers need
// jq or the live object and are reported as not evaluated.
import { apiGroup, isObject, type JsonObject, type JsonValue, type Resource } from '../resource.js';
import type { IgnoreDifference } from './model.js';

/** Argo CD matches group and kind as globs; name and namespace exactly when given. */
function glob(pattern: string, value: string): boolean {
  const source = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${source}$`).test(value);
}

function applies(rule: IgnoreDifference, r: Resource): boolean {
  return (
    glob(rule.group, apiGroup(r.apiVersion)) &&
    glob(rule.kind, r.kind) &&
    (rule.name === undefined || rule.name === r.name) &&
    (rule.namespace === undefined || rule.namespace === r.namespace)
  );
}

/** The JSON pointers ignored for this object. */
export function ignoredPointers(r: Resource, rules: IgnoreDifference[]): string[] {
  return rules.flatMap((rule) => (applies(rule, r) ? rule.jsonPointers : []));
}

/** What of the rules cannot be evaluated offline, one sentence each. */
export function unevaluatedRules(rules: IgnoreDifference[]): string[] {
  return rules.flatMap((rule) => {
    const what = `${rule.group ? `${rule.group}/` : ''}${rule.kind}${rule.name ? ` ${rule.name}` : ''}`;
    return [
      ...rule.jqPathExpressions.map((e) => `ignoreDifferences jqPathExpression ${e} (${what}) is not evaluated: differences there are shown.`),
      ...(rule.managedFieldsManagers.length
        ? [`ignoreDifferences managedFieldsManagers ${rule.managedFieldsManagers.join(', ')} (${what}) is not evaluable offline (it needs the live object's managedFields): differences there are shown.`]
        : []),
    ];
  });
}

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
