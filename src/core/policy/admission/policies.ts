// ValidatingAdmissionPolicies, their bindings and param objects, read from
// Kubernetes objects and compiled once. Pure: objects in, a policy set out.
import { isObject, type JsonObject, type JsonValue, type Resource } from '../../resource.js';
import { CelCompileError, compileExpression, type CompiledExpression } from '../cel/expression.js';

export interface ResourceRule {
  apiGroups: string[];
  apiVersions: string[];
  operations: string[];
  resources: string[];
  resourceNames: string[];
  scope: '*' | 'Cluster' | 'Namespaced';
}

export interface MatchResources {
  resourceRules: ResourceRule[];
  excludeResourceRules: ResourceRule[];
  namespaceSelector?: JsonObject;
  objectSelector?: JsonObject;
  /** Equivalent (default) also matches other versions of the same group and resource. */
  exact: boolean;
}

export interface Validation {
  expression: CompiledExpression;
  message?: string;
  messageExpression?: CompiledExpression;
}

export interface Policy {
  name: string;
  /** Where it was read: a file of policies.custom, or a rendered object. */
  source: Resource;
  failurePolicy: 'Fail' | 'Ignore';
  paramKind?: { apiVersion: string; kind: string };
  match: MatchResources;
  matchConditions: Array<{ name: string; expression: CompiledExpression }>;
  variables: Array<{ name: string; expression: CompiledExpression }>;
  validations: Validation[];
}

export interface ParamRef {
  name?: string;
  namespace?: string;
  selector?: JsonObject;
  parameterNotFoundAction: 'Allow' | 'Deny';
}

export interface Binding {
  name: string;
  policyName: string;
  validationActions: Array<'Deny' | 'Warn' | 'Audit'>;
  paramRef?: ParamRef;
  match?: MatchResources;
}

export interface PolicySet {
  policies: Policy[];
  bindings: Binding[];
  /** Every other object: candidates for params. */
  params: Resource[];
}

export interface PolicyProblem {
  resource: Resource;
  message: string;
}

const ADMISSION_GROUP = 'admissionregistration.k8s.io';

function strings(value: JsonValue | undefined): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function rules(value: JsonValue | undefined): ResourceRule[] {
  return (Array.isArray(value) ? value.filter(isObject) : []).map((r) => ({
    apiGroups: strings(r.apiGroups),
    apiVersions: strings(r.apiVersions),
    operations: strings(r.operations),
    resources: strings(r.resources),
    resourceNames: strings(r.resourceNames),
    scope: r.scope === 'Cluster' || r.scope === 'Namespaced' ? r.scope : '*',
  }));
}

function matchResources(value: JsonValue | undefined): MatchResources | undefined {
  if (!isObject(value)) return undefined;
  return {
    resourceRules: rules(value.resourceRules),
    excludeResourceRules: rules(value.excludeResourceRules),
    ...(isObject(value.namespaceSelector) ? { namespaceSelector: value.namespaceSelector } : {}),
    ...(isObject(value.objectSelector) ? { objectSelector: value.objectSelector } : {}),
    exact: value.matchPolicy === 'Exact',
  };
}

function compile(source: JsonValue | undefined, where: string): CompiledExpression {
  if (typeof source !== 'string' || !source.trim()) throw new CelCompileError(String(source ?? ''), `${where} has no expression`);
  try {
    return compileExpression(source);
  } catch (error) {
    if (error instanceof CelCompileError) throw new CelCompileError(error.expression, `${where}: ${error.message.replace(/ in ".*"$/s, '')}`);
    throw error;
  }
}

function readPolicy(resource: Resource): Policy {
  const spec = isObject(resource.object.spec) ? resource.object.spec : {};
  const named = <T>(list: JsonValue | undefined, read: (item: JsonObject, i: number) => T) => (Array.isArray(list) ? list.filter(isObject).map(read) : []);
  const paramKind = isObject(spec.paramKind) && typeof spec.paramKind.kind === 'string' ? { apiVersion: String(spec.paramKind.apiVersion ?? ''), kind: spec.paramKind.kind } : undefined;
  return {
    name: resource.name,
    source: resource,
    failurePolicy: spec.failurePolicy === 'Ignore' ? 'Ignore' : 'Fail',
    ...(paramKind ? { paramKind } : {}),
    match: matchResources(spec.matchConstraints) ?? { resourceRules: [], excludeResourceRules: [], exact: false },
    matchConditions: named(spec.matchConditions, (c, i) => ({ name: String(c.name ?? i), expression: compile(c.expression, `matchConditions[${i}]`) })),
    variables: named(spec.variables, (v, i) => ({ name: String(v.name ?? i), expression: compile(v.expression, `variables[${i}]`) })),
    validations: named(spec.validations, (v, i) => ({
      expression: compile(v.expression, `validations[${i}]`),
      ...(typeof v.message === 'string' ? { message: v.message } : {}),
      ...(typeof v.messageExpression === 'string' ? { messageExpression: compile(v.messageExpression, `validations[${i}].messageExpression`) } : {}),
    })),
  };
}

function readBinding(resource: Resource): Binding {
  const spec = isObject(resource.object.spec) ? resource.object.spec : {};
  const ref = isObject(spec.paramRef) ? spec.paramRef : null;
  const actions = strings(spec.validationActions).filter((a): a is 'Deny' | 'Warn' | 'Audit' => a === 'Deny' || a === 'Warn' || a === 'Audit');
  const match = matchResources(spec.matchResources);
  return {
    name: resource.name,
    policyName: String(spec.policyName ?? ''),
    validationActions: actions.length ? actions : ['Deny'],
    ...(ref
      ? {
          paramRef: {
            ...(typeof ref.name === 'string' ? { name: ref.name } : {}),
            ...(typeof ref.namespace === 'string' ? { namespace: ref.namespace } : {}),
            ...(isObject(ref.selector) ? { selector: ref.selector } : {}),
            parameterNotFoundAction: ref.parameterNotFoundAction === 'Allow' ? 'Allow' : 'Deny',
          },
        }
      : {}),
    ...(match ? { match } : {}),
  };
}

export function isAdmissionPolicy(r: Resource): boolean {
  return r.apiVersion.startsWith(`${ADMISSION_GROUP}/`) && r.kind === 'ValidatingAdmissionPolicy';
}

export function isAdmissionBinding(r: Resource): boolean {
  return r.apiVersion.startsWith(`${ADMISSION_GROUP}/`) && r.kind === 'ValidatingAdmissionPolicyBinding';
}

/** Reads policies, bindings and params; a policy whose expressions do not compile is a problem naming it, not a pass. */
export function readPolicySet(resources: Resource[]): { set: PolicySet; problems: PolicyProblem[] } {
  const set: PolicySet = { policies: [], bindings: [], params: [] };
  const problems: PolicyProblem[] = [];
  for (const resource of resources) {
    if (isAdmissionPolicy(resource)) {
      try {
        set.policies.push(readPolicy(resource));
      } catch (error) {
        if (!(error instanceof CelCompileError)) throw error;
        problems.push({ resource, message: `ValidatingAdmissionPolicy ${resource.name} does not compile: ${error.message}` });
      }
    } else if (isAdmissionBinding(resource)) {
      set.bindings.push(readBinding(resource));
    } else {
      set.params.push(resource);
    }
  }
  return { set, problems };
}

export function mergePolicySets(...sets: PolicySet[]): PolicySet {
  return { policies: sets.flatMap((s) => s.policies), bindings: sets.flatMap((s) => s.bindings), params: sets.flatMap((s) => s.params) };
}
