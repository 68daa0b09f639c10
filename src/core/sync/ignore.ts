// Argo CD's spec.ignoreDifferences: fields left out of the comparison. JSON
// pointers are evaluated here; jq expressions and managed-field managers need
// jq or the live object and are reported as not evaluated.
import { apiGroup, type JsonObject, type Resource } from '../resource.js';
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
