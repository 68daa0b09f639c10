import { readFileSync } from 'node:fs';
import { diffResources } from '../../../src/core/diff/index.js';
import { analyzeImpacts } from '../../../src/core/impact.js';
import { admitChanges, type AdmissionViolation } from '../../../src/core/policy/admission/evaluate.js';
import { readPolicySet, type PolicySet } from '../../../src/core/policy/admission/policies.js';
import { crdPlurals, isObject, toResource, type JsonObject, type Resource } from '../../../src/core/resource.js';
import { parseYamlDocuments } from '../../../src/util/yaml-documents.js';
import { res } from '../../helpers/resources.js';

/** The ```yaml blocks of docs/policies.md that hold a policy, by policy name. */
export function documentedPolicies(): Map<string, string> {
  const doc = readFileSync(new URL('../../../docs/policies.md', import.meta.url), 'utf8');
  const blocks = [...doc.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!).filter((b) => b.includes('kind: ValidatingAdmissionPolicy\n'));
  return new Map(blocks.map((b) => [/kind: ValidatingAdmissionPolicy\nmetadata:\n {2}name: (\S+)/.exec(b)![1]!, b]));
}

export function policySet(yaml: string): PolicySet {
  const objects = parseYamlDocuments(yaml, { kubernetes: true }).flatMap((doc) => (isObject(doc.value) ? [toResource(doc.value, 'default', { file: 'policies/test.yaml' })] : []));
  const { set, problems } = readPolicySet(objects.filter((r): r is Resource => r !== null));
  if (problems.length) throw new Error(problems.map((p) => p.message).join('; '));
  return set;
}

/** Admission of the changes between two object lists; `extra` are other render objects (namespaces, CRDs). */
export function admit(set: PolicySet, base: JsonObject[], head: JsonObject[], extra: JsonObject[] = []): AdmissionViolation[] {
  const [b, h, x] = [base.map((o) => res(o)), head.map((o) => res(o)), extra.map((o) => res(o))];
  const changes = analyzeImpacts(diffResources(b, h), { base: b, head: h });
  const all: Resource[] = [...b, ...h, ...x];
  return admitChanges(changes, set, { namespaces: new Map(all.filter((r) => r.kind === 'Namespace').map((r) => [r.name, r])), plurals: crdPlurals(all) }, () => '');
}

export const brief = (violations: AdmissionViolation[]) => violations.map((v) => `${v.rule} ${v.severity} ${v.resource.kind}/${v.resource.name}: ${v.message}`);
