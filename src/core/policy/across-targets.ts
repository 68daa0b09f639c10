// Judgements that look across the targets of a review: admission policies
// (a policy, its binding, its params and the namespaces may come from any
// render) and schema validation (a CR's CRD may come from any render). Each
// splits its findings into introduced and inherited like the rule engine.
import type { TargetObjects } from '../impact.js';
import type { Change, Severity, TargetResult } from '../model.js';
import { crdPlurals, type Resource } from '../resource.js';
import type { BuiltinSchemas } from '../schema/validate.js';
import { crdSchemas } from '../schema/crds.js';
import { admitChanges } from './admission/evaluate.js';
import { mergePolicySets, readPolicySet, type Policy, type PolicySet } from './admission/policies.js';
import { asBefore, compareSides, identityAcrossSides, settle, type PolicyOutcome, type PolicySettings } from './engine.js';
import type { Violation } from './rule.js';
import { judgeSchemas, schemaInvalid } from './schema-invalid.js';

export interface JudgedTarget {
  /** null when the target has no objects on either side. */
  result: TargetResult | null;
  /** Both sides' renders. */
  objects?: TargetObjects;
  policies: PolicySettings;
  /** The target's Kubernetes version, when it names one. */
  kubernetesVersion?: string;
}

interface RuledViolation extends Violation {
  rule: string;
  severity: Severity;
}

/** Findings of the violations at head, inherited where the same violation held at base. */
function split(result: TargetResult, policies: PolicySettings, now: RuledViolation[], held: RuledViolation[]): PolicyOutcome {
  const identity = identityAcrossSides(result.changes);
  return compareSides(
    now,
    held,
    (v) => identity(v.rule, v),
    (v) => settle(v.rule, v.severity, result.name, v, policies),
  );
}

const NOTHING: PolicyOutcome = { findings: [], resolved: 0 };

/**
 * The ValidatingAdmissionPolicies of policies.custom and of the renders (the
 * cluster would enforce those) on every change, per target. A violation the
 * base object already had under the base's policies is inherited.
 */
export function admitAcrossTargets(targets: JudgedTarget[], custom: PolicySet): PolicyOutcome[] {
  const heads = targets.flatMap((t) => t.objects?.head ?? []);
  const bases = targets.flatMap((t) => t.objects?.base ?? []);
  const rendered = readPolicySet(heads);
  const renderedBefore = readPolicySet(bases);
  const set = mergePolicySets(custom, rendered.set);
  const setBefore = mergePolicySets(custom, renderedBefore.set);
  if (set.policies.length === 0 && setBefore.policies.length === 0 && rendered.problems.length === 0) return targets.map(() => NOTHING);
  const clusterPolicies = new Set([...rendered.set.policies, ...renderedBefore.set.policies]);
  const context = {
    namespaces: new Map([...bases, ...heads].filter((r) => r.kind === 'Namespace').map((r) => [r.name, r])),
    plurals: crdPlurals([...bases, ...heads]),
  };
  const prefix = (policy: Policy) => (clusterPolicies.has(policy) ? 'enforced by the cluster: ' : '');
  return targets.map(({ result, objects, policies }) => {
    if (!result || result.status !== 'ok') return NOTHING;
    const invalid = rendered.problems
      .filter((p) => objects?.head.includes(p.resource))
      .map((p) => ({ rule: `policy:${p.resource.name}`, severity: 'error' as const, resource: p.resource, message: `the API server would reject this policy: ${p.message}` }));
    const now = [...invalid, ...admitChanges(result.changes, set, context, prefix)];
    return split(result, policies, now, admitChanges(asBefore(result.changes), setBefore, context, prefix));
  });
}

/** The targets whose changes schema validation judges. */
export function schemaJudged(targets: JudgedTarget[]): JudgedTarget[] {
  return targets.filter((t) => t.result?.status === 'ok' && t.policies.rules[schemaInvalid.id] !== 'off' && t.result.changes.length > 0);
}

/** The objects of both sides of the judged targets' changes: the kinds whose schemas a review needs. */
export function schemaSubjects(targets: JudgedTarget[]): Resource[] {
  const sides = (changes: Change[]) => changes.flatMap((c) => [c.base, c.head]).flatMap((r) => (r ? [r] : []));
  return schemaJudged(targets).flatMap((t) => sides(t.result!.changes));
}

export interface SchemaOutcome extends PolicyOutcome {
  /** "Not validated: …" notes for the target; a kind is said once per review, on the first target that has it. */
  notes: string[];
}

/**
 * The API server's validation of every object a change leaves, per target:
 * against the built-in schemas or the CRD any render of the review declares.
 */
export function validateAcrossTargets(targets: JudgedTarget[], builtins: BuiltinSchemas): SchemaOutcome[] {
  const judged = new Set(schemaJudged(targets));
  const bases = targets.flatMap((t) => t.objects?.base ?? []);
  const heads = targets.flatMap((t) => t.objects?.head ?? []);
  // Each side is validated against its own CRDs first: a CRD the change tightens introduces its CRs' problems.
  const head = crdSchemas([...bases, ...heads]);
  const crds = { head, base: new Map([...head, ...crdSchemas(bases)]) };
  const said = new Set<string>();
  return targets.map((target) => {
    if (!judged.has(target)) return { ...NOTHING, notes: [] };
    const { result, policies, kubernetesVersion } = target;
    const { changes } = result!;
    const ruled = (violations: Array<Violation & { severity: Severity }>) => violations.map((v) => ({ ...v, rule: schemaInvalid.id }));
    const now = judgeSchemas(changes, builtins, crds.head, kubernetesVersion);
    const held = judgeSchemas(asBefore(changes), builtins, crds.base, kubernetesVersion);
    const kinds = [...new Set(now.notValidated)].filter((kind) => !said.has(kind));
    kinds.forEach((kind) => said.add(kind));
    return { ...split(result!, policies, ruled(now.violations), ruled(held.violations)), notes: kinds.map((kind) => `Not validated: ${kind}`) };
  });
}
