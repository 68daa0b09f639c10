// The CEL rules of a CRD schema (x-kubernetes-validations), run on a custom
// resource as the API server runs them on create: `self` is the value of the
// schema node that declares the rule. Transition rules (oldSelf) need the live
// object and are left out, as are rules that do not compile or evaluate here:
// only a rule that evaluates to false is a problem.
import { CelCompileError, compileExpression, evaluateExpression, toCel, widest, type CompiledExpression } from '../policy/cel/expression.js';
import { isObject, type JsonObject, type JsonValue } from '../resource.js';
import { typeName, type SchemaProblem } from './messages.js';
import { dottedPath, type PathSegment } from './path.js';

interface Rule {
  compiled: CompiledExpression;
  message: string;
  fieldPath?: string;
}

/** The schema nodes that hold rules, and the way down to them; null where no rule lies below. */
interface RulePlan {
  rules: Rule[];
  properties: Map<string, RulePlan>;
  items?: RulePlan;
  values?: RulePlan;
}

const compiled = new Map<string, CompiledExpression | null>();
const MAX_COMPILED = 2000;

function compile(source: string): CompiledExpression | null {
  let found = compiled.get(source);
  if (found === undefined) {
    try {
      found = compileExpression(source);
    } catch (error) {
      if (!(error instanceof CelCompileError)) throw error;
      found = null;
    }
    if (compiled.size >= MAX_COMPILED) compiled.delete(compiled.keys().next().value!);
    compiled.set(source, found);
  }
  return found;
}

function rulesOf(node: JsonObject): Rule[] {
  const declared = Array.isArray(node['x-kubernetes-validations']) ? node['x-kubernetes-validations'].filter(isObject) : [];
  return declared.flatMap((r) => {
    if (typeof r.rule !== 'string' || /\boldSelf\b/.test(r.rule)) return [];
    const program = compile(r.rule);
    if (!program) return [];
    const message = typeof r.message === 'string' && r.message ? r.message : `failed rule: ${r.rule}`;
    return [{ compiled: program, message, ...(typeof r.fieldPath === 'string' && r.fieldPath ? { fieldPath: r.fieldPath } : {}) }];
  });
}

function planOf(node: JsonValue): RulePlan | null {
  if (!isObject(node)) return null;
  const plan: RulePlan = { rules: rulesOf(node), properties: new Map() };
  if (isObject(node.properties)) {
    for (const [name, child] of Object.entries(node.properties)) {
      const sub = planOf(child);
      if (sub) plan.properties.set(name, sub);
    }
  }
  const items = planOf(node.items ?? null);
  if (items) plan.items = items;
  const values = planOf(node.additionalProperties ?? null);
  if (values) plan.values = values;
  return plan.rules.length || plan.properties.size || plan.items || plan.values ? plan : null;
}

const plans = new WeakMap<JsonObject, RulePlan | null>();

/** Where a rule's fieldPath points, from the node that declares it. */
function joined(path: string, fieldPath: string | undefined): string {
  if (!fieldPath) return path;
  const relative = fieldPath.startsWith('.') || fieldPath.startsWith('[') ? fieldPath : `.${fieldPath}`;
  return `${path}${relative}`.replace(/^\./, '');
}

export function celRuleProblems(object: JsonObject, openAPIV3Schema: JsonObject): SchemaProblem[] {
  let plan = plans.get(openAPIV3Schema);
  if (plan === undefined) plans.set(openAPIV3Schema, (plan = planOf(openAPIV3Schema)));
  const problems: SchemaProblem[] = [];
  const walk = (value: JsonValue | undefined, at: RulePlan, segments: PathSegment[]): void => {
    if (value === undefined || value === null) return;
    for (const rule of at.rules) {
      const result = evaluateExpression(rule.compiled, { self: toCel(value) }, widest(value));
      if (!result.ok || result.value !== false) continue;
      const path = joined(dottedPath(segments), rule.fieldPath);
      // The API server names the type of the node, never its content.
      problems.push({ path, kind: 'rule', message: `${path || '<nil>'}: Invalid value: "${typeName(value)}": ${rule.message}` });
    }
    if (isObject(value)) {
      for (const [name, sub] of at.properties) walk(value[name], sub, [...segments, name]);
      if (at.values) for (const [key, v] of Object.entries(value)) walk(v, at.values, [...segments, key]);
    }
    if (Array.isArray(value) && at.items) value.forEach((v, i) => walk(v, at.items!, [...segments, i]));
  };
  if (plan) walk(object, plan, []);
  return problems;
}
