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
    'The object does not match the OpenAPI schema the API server validates it against (the Kubernetes 1.33 schema for built-in ' +
    'kinds, the openAPIV3Schema of its CustomResourceDefinition for custom resources): `kubectl apply` and the GitOps controller ' +
    'fail on it after merge. Fix the field the message names; "did you mean" names the declared field a typo is closest to. ' +
    'On a target whose kubernetesVersion is newer than 1.33, a field or enum value the 1.33 schema does not know is a warning: ' +
    'check it against that version. CEL rules of CRDs (x-kubernetes-validations) and validations written in Go are not checked.',
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
        subject: `${problem.path} ${problem.kind}`,
        message: maybeNew
          ? `${problem.message} (not in the Kubernetes ${SCHEMA_VERSION} schema; ${version} may know it — check it against the ${version} API)`
          : problem.message,
      });
    }
  }
  return { violations, notValidated };
}
