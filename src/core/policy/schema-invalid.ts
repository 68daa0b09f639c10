// schema-invalid: what the API server's validation would reject. The review
// runs it across targets (a CR's CRD may come from another target's render).
import type { Change, Severity } from '../model.js';
import type { JsonObject } from '../resource.js';
import { SCHEMA_VERSION, validateResource, type BuiltinSchemas } from '../schema/validate.js';
import { compareVersions, NEWEST_KNOWN_VERSION } from './rules/api-versions.js';
import type { Rule, Violation } from './rule.js';

export const schemaInvalid: Rule = {
  id: 'schema-invalid',
  defaultSeverity: 'error',
  summary: 'An object the API server would reject: unknown field, wrong type, missing required field, value outside an enum',
  explanation:
    'The object does not match the OpenAPI schema the API server validates it against, so `kubectl apply` (strict field ' +
    'validation, the default since Kubernetes 1.25) and the GitOps controller fail on it after merge; Flux\'s server-side apply ' +
    'says `field not declared in schema` where kubectl says `unknown field`. Built-in kinds are checked against the Kubernetes 1.33 ' +
    'schema (types, required fields, enums, formats, unknown fields); custom resources against the openAPIV3Schema of their ' +
    'CustomResourceDefinition in any render of the review (types, required, enum, pattern, bounds, unknown fields, and its CEL ' +
    'rules, x-kubernetes-validations, but transition rules on oldSelf), each side ' +
    'against its own CRDs. As the API server serves them, a CRD counts only when it is named <plural>.<group>, and a kind ' +
    'belongs to the first CRD that claims it (a second CRD of another name for the same kind is refused by the API server ' +
    'and cannot relax the schema). Fix the field the message names; "did you mean" names the declared field a typo is closest to. On a ' +
    'target whose kubernetesVersion is newer than 1.33 (or that sets none), a field or enum value of a built-in kind the 1.33 ' +
    'schema does not know is a warning, as a newer API server may know it; a typo of a known field stays an error. Not checked: ' +
    'transition rules and messageExpression of CRD CEL rules (a rule that does not evaluate here is skipped), formats of CRD fields, list-type uniqueness (uniqueItems, which the API server refuses in a CRD), and validations the API server does in Go code beyond ' +
    'the OpenAPI schema (name syntax, label values, cross-field rules). Kinds no schema covers are listed in the target\'s notes ' +
    'as "Not validated".',
  // The review validates across targets itself.
  check: () => [],
};

export interface SchemaViolation extends Violation {
  severity: Severity;
}

export interface SchemaJudgement {
  violations: SchemaViolation[];
  /** "apiVersion Kind (why)" of the objects no schema was found for. */
  notValidated: string[];
}

/** Validates the objects the changes leave, as they will be; `kubernetesVersion` is the target's. */
export function judgeSchemas(changes: Change[], builtins: BuiltinSchemas, crds: ReadonlyMap<string, JsonObject>, kubernetesVersion?: string): SchemaJudgement {
  const version = kubernetesVersion ?? NEWEST_KNOWN_VERSION;
  const newer = compareVersions(version, SCHEMA_VERSION) > 0;
  const violations: SchemaViolation[] = [];
  const notValidated: string[] = [];
  for (const resource of changes.flatMap((c) => (c.head ? [c.head] : []))) {
    let outcome: ReturnType<typeof validateResource>;
    try {
      outcome = validateResource(resource, builtins, crds);
    } catch (error) {
      // A validator that breaks on an object must not cost the review its other results.
      outcome = { notValidated: `${resource.apiVersion} ${resource.kind} (validation failed: ${(error as Error).message})` };
    }
    if ('notValidated' in outcome) {
      notValidated.push(outcome.notValidated);
      continue;
    }
    for (const problem of outcome.problems) {
      const maybeNew = newer && problem.unknownToSchema === true;
      violations.push({
        resource,
        severity: maybeNew ? 'warning' : 'error',
        // Several CEL rules may fail on one node: each is its own problem.
        subject: `${problem.path} ${problem.kind}${problem.kind === 'rule' ? ` ${problem.message}` : ''}`,
        message: maybeNew
          ? `${problem.message} (not in the Kubernetes ${SCHEMA_VERSION} schema; ${version} may know it — check it against the ${version} API)`
          : problem.message,
      });
    }
  }
  return { violations, notValidated };
}
