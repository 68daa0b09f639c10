// Admission of each predicted change, as the API server would run the
// ValidatingAdmissionPolicies: match, bindings and params, matchConditions,
// variables, validations. A finding's rule is `policy:<name>`; Deny is an
// error, Warn a warning, Audit a notice.
import type { CelInput } from '@bufbuild/cel';
import type { Change, Severity } from '../../model.js';
import type { Violation } from '../rule.js';
import { labelsOf, selects } from '../../pod.js';
import { apiGroup, isObject, pluralOf, type JsonObject, type Resource } from '../../resource.js';
import { secretScrubber, secretValuesOf } from '../../secrets.js';
import { evaluateExpression, toCel, widest, type CompiledExpression } from '../cel/expression.js';
import type { Binding, MatchResources, Policy, PolicySet, ResourceRule } from './policies.js';

type Operation = 'CREATE' | 'UPDATE' | 'DELETE';

export interface AdmissionContext {
  /** Namespaces known from the renders, by name: their labels feed namespaceSelector and namespaceObject. */
  namespaces: Map<string, Resource>;
  /** CRD plurals from the renders, keyed "group/Kind". */
  plurals: Map<string, string>;
}

interface Request {
  operation: Operation;
  object: Resource | null;
  oldObject: Resource | null;
  subject: Resource;
  group: string;
  version: string;
  plural: string;
}

const SEVERITY: Record<Binding['validationActions'][number], Severity> = { Deny: 'error', Warn: 'warning', Audit: 'notice' };
const RANK: Record<Severity, number> = { error: 0, warning: 1, notice: 2 };

function operationOf(change: Change): Operation {
  if (change.action === 'create') return 'CREATE';
  if (change.action === 'delete') return 'DELETE';
  // A renamed (hash-suffixed) object is a new object; an immutable-field replace is first an update attempt.
  return change.action === 'replace' && change.previousName !== change.name ? 'CREATE' : 'UPDATE';
}

function ruleMatches(rule: ResourceRule, request: Request, exact: boolean): boolean {
  const any = (list: string[], value: string) => list.includes('*') || list.includes(value);
  if (!any(rule.operations, request.operation) || !any(rule.apiGroups, request.group)) return false;
  if (exact && !any(rule.apiVersions, request.version)) return false;
  if (!rule.resources.some((r) => r === '*' || r === '*/*' || r === request.plural)) return false;
  if (rule.resourceNames.length && !rule.resourceNames.includes(request.subject.name)) return false;
  const cluster = request.subject.namespace === null;
  return rule.scope === '*' || (rule.scope === 'Cluster') === cluster;
}

function namespaceLabels(request: Request, context: AdmissionContext): Record<string, string> {
  const name = request.subject.kind === 'Namespace' ? request.subject.name : request.subject.namespace;
  if (name === null) return {};
  const labels = labelsOf(context.namespaces.get(name)?.object, 'metadata', 'labels');
  // The API server labels every namespace with its own name.
  return { ...labels, 'kubernetes.io/metadata.name': name };
}

function selectorMatches(selector: JsonObject | undefined, labels: Record<string, string>): boolean {
  if (!selector || Object.keys(selector).length === 0) return true;
  return selects(selector, labels);
}

/** `narrowing`: a binding's matchResources only narrows the policy's, so no resource rules there means all. */
function matches(match: MatchResources, request: Request, context: AdmissionContext, narrowing = false): boolean {
  const anyRule = narrowing && match.resourceRules.length === 0;
  if (!anyRule && !match.resourceRules.some((r) => ruleMatches(r, request, match.exact))) return false;
  if (match.excludeResourceRules.some((r) => ruleMatches(r, request, match.exact))) return false;
  if (request.subject.namespace !== null || request.subject.kind === 'Namespace') {
    if (!selectorMatches(match.namespaceSelector, namespaceLabels(request, context))) return false;
  }
  // On update either version of the object may carry the labels.
  const objects = [request.object, request.oldObject].filter((o): o is Resource => o !== null);
  return objects.some((o) => selectorMatches(match.objectSelector, labelsOf(o.object, 'metadata', 'labels')));
}

/** The params a binding gives a policy: null for a policy without paramKind, [] when none is found. */
function paramsFor(policy: Policy, binding: Binding, request: Request, set: PolicySet): Array<Resource | null> | string {
  if (!policy.paramKind) return [null];
  const ref = binding.paramRef;
  if (!ref) return `binding ${binding.name} gives no paramRef for paramKind ${policy.paramKind.kind}`;
  const kind = policy.paramKind;
  const namespace = ref.namespace ?? request.subject.namespace;
  const found = set.params.filter(
    (p) =>
      p.kind === kind.kind &&
      apiGroup(p.apiVersion) === apiGroup(kind.apiVersion) &&
      (p.namespace === null || p.namespace === namespace) &&
      (ref.name ? p.name === ref.name : selectorMatches(ref.selector, labelsOf(p.object, 'metadata', 'labels'))),
  );
  if (found.length) return found;
  return ref.parameterNotFoundAction === 'Allow' ? [] : `no ${kind.kind} params found for binding ${binding.name}`;
}

interface Verdict {
  message: string;
}

function run(expression: CompiledExpression, bindings: Record<string, CelInput>, width: number): { value?: unknown; error?: string } {
  const result = evaluateExpression(expression, bindings, width);
  return result.ok ? { value: result.value } : { error: result.error };
}

/** What every policy sees of one request, converted for CEL once. */
interface Prepared {
  bindings: Record<string, CelInput>;
  /** The widest collection among object and oldObject, for the cost bound. */
  width: number;
}

function prepare(request: Request, context: AdmissionContext): Prepared {
  const namespace = request.subject.namespace ?? (request.subject.kind === 'Namespace' ? request.subject.name : null);
  return {
    bindings: {
      object: toCel(request.object?.object),
      oldObject: toCel(request.oldObject?.object),
      namespaceObject: toCel(namespace ? context.namespaces.get(namespace)?.object : undefined),
      request: toCel({
        operation: request.operation,
        kind: { group: request.group, version: request.version, kind: request.subject.kind },
        resource: { group: request.group, version: request.version, resource: request.plural },
        name: request.subject.name,
        namespace: request.subject.namespace ?? '',
        userInfo: {},
        dryRun: false,
      }),
    },
    width: Math.max(widest(request.object?.object), widest(request.oldObject?.object)),
  };
}

/**
 * Who sends the request is the controller's service account, which a review cannot
 * know: conditions and validations on request.userInfo are not decided offline
 * (a policy that only applies to one user never judges the repository's objects).
 */
const REQUESTER = /\brequest\s*\.\s*userInfo\b/;

/** Evaluates one policy with one param; the violations found. */
function admit(policy: Policy, prepared: Prepared, param: Resource | null): Verdict[] {
  const bindings: Record<string, CelInput> = { ...prepared.bindings, params: toCel(param?.object) };
  const width = param ? Math.max(prepared.width, widest(param.object)) : prepared.width;
  const failed = (what: string, error: string): Verdict[] => (policy.failurePolicy === 'Ignore' ? [] : [{ message: `${what} failed: ${error}` }]);

  for (const condition of policy.matchConditions) {
    if (REQUESTER.test(condition.expression.source)) return [];
    const { value, error } = run(condition.expression, bindings, width);
    if (error) return failed(`matchCondition ${condition.name}`, error);
    if (value !== true) return [];
  }
  const variables: Record<string, CelInput> = {};
  bindings.variables = variables as unknown as CelInput;
  for (const variable of policy.variables) {
    const { value, error } = run(variable.expression, bindings, width);
    if (error) return failed(`variable ${variable.name}`, error);
    variables[variable.name] = value as CelInput;
  }
  const verdicts: Verdict[] = [];
  for (const validation of policy.validations) {
    if (REQUESTER.test(validation.expression.source)) continue;
    const { value, error } = run(validation.expression, bindings, width);
    if (error) {
      verdicts.push(...failed(`expression ${JSON.stringify(validation.expression.source)}`, error));
      continue;
    }
    if (value === true) continue;
    let message = validation.message ?? `failed expression: ${validation.expression.source}`;
    if (validation.messageExpression) {
      const custom = run(validation.messageExpression, bindings, width);
      if (typeof custom.value === 'string' && custom.value.trim()) message = custom.value;
    }
    verdicts.push({ message });
  }
  return verdicts;
}

function requestOf(change: Change, context: AdmissionContext): Request | null {
  const subject = change.head ?? change.base;
  if (!subject) return null;
  const operation = operationOf(change);
  const version = subject.apiVersion.includes('/') ? subject.apiVersion.split('/')[1]! : subject.apiVersion;
  const group = apiGroup(subject.apiVersion);
  return {
    operation,
    object: operation === 'DELETE' ? null : change.head,
    oldObject: operation === 'CREATE' ? null : change.base,
    subject,
    group,
    version,
    plural: pluralOf(subject.kind, context.plurals, group),
  };
}

export interface AdmissionViolation extends Violation {
  /** `policy:<name>` */
  rule: string;
  severity: Severity;
}

/** Violations of every policy that applies to the changes of one target; `prefix` introduces a policy's messages. */
export function admitChanges(changes: Change[], set: PolicySet, context: AdmissionContext, prefix: (policy: Policy) => string): AdmissionViolation[] {
  const findings: AdmissionViolation[] = [];
  for (const change of changes) {
    const request = requestOf(change, context);
    if (!request) continue;
    // A message may quote the objects it judges: their secret values are blanked out of it.
    const scrub = secretScrubber([request.object, request.oldObject].flatMap((r) => (r ? secretValuesOf(r.object) : [])));
    let prepared: Prepared | null = null;
    for (const policy of set.policies) {
      if (!matches(policy.match, request, context)) continue;
      const explicit = set.bindings.filter((b) => b.policyName === policy.name);
      // A policy nothing binds still applies, as Deny: a review should not depend on a binding being forgotten.
      const bindings: Binding[] = explicit.length ? explicit : [{ name: `${policy.name} (unbound)`, policyName: policy.name, validationActions: ['Deny'] }];
      for (const binding of bindings) {
        if (binding.match && !matches(binding.match, request, context, true)) continue;
        const params = paramsFor(policy, binding, request, set);
        prepared ??= prepare(request, context);
        const ready = prepared;
        const verdicts = typeof params === 'string' ? [{ message: params }] : params.flatMap((param) => admit(policy, ready, param));
        if (!verdicts.length) continue;
        const severity = binding.validationActions.map((a) => SEVERITY[a]).sort((a, b) => RANK[a] - RANK[b])[0]!;
        for (const verdict of verdicts) {
          const message = `${prefix(policy)}${scrub(verdict.message)}`;
          // The validation's message tells one violation of a policy from another on the same object.
          findings.push({ rule: `policy:${policy.name}`, severity, resource: request.subject, message, subject: message });
        }
      }
    }
  }
  return findings;
}

