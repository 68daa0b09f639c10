import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../../../src/core/resource.js';
import { admit, brief, documentedPolicies, policySet } from './admission-helpers.js';
import { goodDeployment } from './helpers.js';

const docs = documentedPolicies();
const example = (name: string) => policySet(docs.get(name)!);
const withLabels = (o: JsonObject, labels: Record<string, string>): JsonObject => ({ ...o, metadata: { ...(o.metadata as JsonObject), labels } });
const inNamespace = (o: JsonObject, namespace: string): JsonObject => ({ ...o, metadata: { ...(o.metadata as JsonObject), namespace } });
const namespace = (name: string, labels: Record<string, string>) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });

describe('documented examples', () => {
  it('documents five example policies', () => {
    expect([...docs.keys()]).toEqual(['require-owner-label', 'allowed-registries', 'replica-cap', 'protect-labelled', 'memory-limit-2gi']);
  });

  it('require-owner-label', () => {
    const set = example('require-owner-label');
    expect(brief(admit(set, [], [goodDeployment('web')]))).toEqual(['policy:require-owner-label error Deployment/web: Deployment web needs an owner label (the team that is paged for it)']);
    expect(admit(set, [], [withLabels(goodDeployment('web'), { owner: 'shop-team' })])).toEqual([]);
  });

  it('allowed-registries, with a ConfigMap param', () => {
    const set = example('allowed-registries');
    expect(brief(admit(set, [], [goodDeployment('web', { container: { image: 'docker.io/library/nginx:1.27' } })]))).toEqual([
      'policy:allowed-registries error Deployment/web: images must come from registry.example.com,ghcr.io/acme',
    ]);
    expect(admit(set, [], [goodDeployment('web', { container: { image: 'ghcr.io/acme/web:1.0.0' } })])).toEqual([]);
    const withoutParam = { ...set, params: [] };
    expect(brief(admit(withoutParam, [], [goodDeployment('web')]))).toEqual(['policy:allowed-registries error Deployment/web: no ConfigMap params found for binding allowed-registries']);
  });

  it('replica-cap, per namespace by label', () => {
    const set = example('replica-cap');
    const dev = namespace('shop-dev', { env: 'dev' });
    const prod = namespace('shop', { env: 'prod' });
    const deployment = (ns: string, replicas: number) => inNamespace(goodDeployment('web', { spec: { replicas } }), ns);
    expect(brief(admit(set, [], [deployment('shop-dev', 5)], [dev]))).toEqual(['policy:replica-cap error Deployment/web: at most 3 replicas in namespace shop-dev']);
    expect(admit(set, [], [deployment('shop-dev', 3)], [dev])).toEqual([]);
    expect(admit(set, [], [deployment('shop', 5)], [prod])).toEqual([]);
  });

  it('protect-labelled, through oldObject on delete only', () => {
    const set = example('protect-labelled');
    const cm = (labels: Record<string, string>) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'keep', labels }, data: { a: '1' } });
    expect(brief(admit(set, [cm({ protect: 'true' })], []))).toEqual([
      'policy:protect-labelled error ConfigMap/keep: objects labelled protect=true cannot be deleted; remove the label in an earlier change first',
    ]);
    expect(admit(set, [cm({})], [])).toEqual([]);
    expect(admit(set, [cm({ protect: 'true' })], [{ ...cm({ protect: 'true' }), data: { a: '2' } }])).toEqual([]);
  });

  it('memory-limit-2gi, with quantity() and a Warn binding', () => {
    const set = example('memory-limit-2gi');
    const memory = (limit: string) => goodDeployment('web', { container: { resources: { requests: { cpu: '1', memory: '1Gi' }, limits: { memory: limit } } } });
    expect(brief(admit(set, [], [memory('3Gi')]))).toEqual(["policy:memory-limit-2gi warning Deployment/web: every container's memory limit must be 2Gi or less"]);
    expect(admit(set, [], [memory('2Gi')])).toEqual([]);
    expect(admit(set, [], [memory('2048Mi')])).toEqual([]);
    expect(admit(set, [], [memory('2148M')])).toHaveLength(1);
  });
});

const policy = (spec: string, name = 'p') => `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: ${name}
spec:
${spec}`;
const binding = (spec: string, name = 'b') => `---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: ${name}
spec:
${spec}`;
const rules = (resources: string, operations = '[CREATE, UPDATE, DELETE]', groups = '["*"]') =>
  `  matchConstraints:\n    resourceRules:\n      - {apiGroups: ${groups}, apiVersions: ["*"], operations: ${operations}, resources: ${resources}}\n`;
const deny = `  validations:\n    - expression: "false"\n      message: denied\n`;

describe('matching', () => {
  const widget = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { size: 3 } };
  const crd = { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'gizmoz.example.com' }, spec: { group: 'example.com', names: { kind: 'Widget', plural: 'gizmoz' }, scope: 'Namespaced', versions: [] } };

  it('by plural resource name, with CRD plurals from the render', () => {
    expect(admit(policySet(policy(rules('[deployments]') + deny)), [], [goodDeployment('web')])).toHaveLength(1);
    expect(admit(policySet(policy(rules('[statefulsets]') + deny)), [], [goodDeployment('web')])).toEqual([]);
    expect(admit(policySet(policy(rules('[widgets]') + deny)), [], [widget])).toHaveLength(1);
    expect(admit(policySet(policy(rules('[gizmoz]') + deny)), [], [widget], [crd])).toHaveLength(1);
    expect(admit(policySet(policy(rules('[widgets]') + deny)), [], [widget], [crd])).toEqual([]);
  });

  it('by operation, group, exclusions, object and namespace selectors', () => {
    expect(admit(policySet(policy(rules('["*"]', '[DELETE]') + deny)), [], [goodDeployment('web')])).toEqual([]);
    expect(admit(policySet(policy(rules('["*"]', '[CREATE]', '[""]') + deny)), [], [goodDeployment('web')])).toEqual([]);
    const excluded = policy(`${rules('["*"]')}    excludeResourceRules:\n      - {apiGroups: [apps], apiVersions: ["*"], operations: ["*"], resources: [deployments]}\n${deny}`);
    expect(admit(policySet(excluded), [], [goodDeployment('web')])).toEqual([]);
    const selected = policy(`${rules('["*"]')}    objectSelector: {matchLabels: {tier: front}}\n${deny}`);
    expect(admit(policySet(selected), [], [goodDeployment('web')])).toEqual([]);
    expect(admit(policySet(selected), [], [withLabels(goodDeployment('web'), { tier: 'front' })])).toHaveLength(1);
    const byName = policy(`${rules('["*"]')}    namespaceSelector: {matchExpressions: [{key: kubernetes.io/metadata.name, operator: In, values: [shop]}]}\n${deny}`);
    expect(admit(policySet(byName), [], [goodDeployment('web')])).toHaveLength(1);
    expect(admit(policySet(byName), [], [inNamespace(goodDeployment('web'), 'other')])).toEqual([]);
  });

  it('with matchConditions', () => {
    const conditioned = policy(`${rules('["*"]')}  matchConditions:\n    - {name: only-prod, expression: "object.metadata.namespace == 'prod'"}\n${deny}`);
    expect(admit(policySet(conditioned), [], [goodDeployment('web')])).toEqual([]);
    expect(admit(policySet(conditioned), [], [inNamespace(goodDeployment('web'), 'prod')])).toHaveLength(1);
  });

  it('leaves undecided what depends on who sends the request (the controller, unknown offline)', () => {
    // docs/live.md's policy: only safe-deploy's service account, and only dry-runs.
    const dryRunOnly = policy(`${rules('["*"]')}  matchConditions:\n    - {name: bot, expression: 'request.userInfo.username == "system:serviceaccount:safe-deploy:safe-deploy"'}\n  validations:\n    - {expression: request.dryRun == true, message: dry-runs only}\n`);
    expect(admit(policySet(dryRunOnly), [], [goodDeployment('web')])).toEqual([]);
    const byGroup = policy(`${rules('["*"]')}  validations:\n    - {expression: "'admins' in request.userInfo.groups"}\n    - {expression: "object.spec.replicas < 3", message: too many}\n`);
    expect(brief(admit(policySet(byGroup), [], [goodDeployment('web', { spec: { replicas: 5 } })]))).toEqual(['policy:p error Deployment/web: too many']);
  });
});

describe('bindings and params', () => {
  it('map validation actions to severities and apply an unbound policy with Deny', () => {
    const base = policy(rules('["*"]') + deny);
    expect(brief(admit(policySet(base), [], [goodDeployment('web')]))).toEqual(['policy:p error Deployment/web: denied']);
    expect(brief(admit(policySet(base + binding('  policyName: p\n  validationActions: [Warn]\n')), [], [goodDeployment('web')]))).toEqual(['policy:p warning Deployment/web: denied']);
    expect(brief(admit(policySet(base + binding('  policyName: p\n  validationActions: [Audit, Warn]\n')), [], [goodDeployment('web')]))).toEqual(['policy:p warning Deployment/web: denied']);
    expect(brief(admit(policySet(base + binding('  policyName: p\n  validationActions: [Audit]\n')), [], [goodDeployment('web')]))).toEqual(['policy:p notice Deployment/web: denied']);
  });

  it('evaluate once per param a selector finds, and skip when params are missing with Allow', () => {
    const limits = (name: string, max: string) => `---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: ${name}, namespace: shop, labels: {kind: limit}}\ndata: {max: "${max}"}\n`;
    const text = policy(`  paramKind: {apiVersion: v1, kind: ConfigMap}\n${rules('[deployments]')}  validations:\n    - expression: "object.spec.replicas <= int(params.data.max)"\n      messageExpression: "'over ' + params.data.max"\n`) +
      binding('  policyName: p\n  validationActions: [Deny]\n  paramRef: {selector: {matchLabels: {kind: limit}}, parameterNotFoundAction: Allow}\n');
    expect(brief(admit(policySet(text + limits('a', '2') + limits('b', '10')), [], [goodDeployment('web')]))).toEqual(['policy:p error Deployment/web: over 2']);
    expect(admit(policySet(text), [], [goodDeployment('web')])).toEqual([]);
  });
});

describe('failure modes', () => {
  it('a runtime error is a violation under Fail and nothing under Ignore', () => {
    const failing = (policyMode: string) => policy(`  failurePolicy: ${policyMode}\n${rules('["*"]')}  validations:\n    - expression: "object.spec.nosuchfield == 1"\n`);
    expect(brief(admit(policySet(failing('Fail')), [], [goodDeployment('web')]))[0]).toMatch(/^policy:p error Deployment\/web: expression "object\.spec\.nosuchfield == 1" failed: /);
    expect(admit(policySet(failing('Ignore')), [], [goodDeployment('web')])).toEqual([]);
  });

  it('an expression that does not compile names the policy and the expression', () => {
    const { problems } = (() => {
      try {
        policySet(policy(`${rules('["*"]')}  validations:\n    - expression: "object.spec.replicas <"\n`));
        return { problems: [] };
      } catch (error) {
        return { problems: [(error as Error).message] };
      }
    })();
    expect(problems[0]).toMatch(/^ValidatingAdmissionPolicy p does not compile: validations\[0\]: syntax error: .* in "object\.spec\.replicas <"$/);
    expect(() => policySet(policy(`${rules('["*"]')}  validations:\n    - expression: "object.metadata.name.reverse() == 'x'"\n`))).toThrow(/undeclared function reverse\(\)/);
  });

  it('refuses to evaluate beyond the cost budget', () => {
    const items = Array.from({ length: 400 }, (_, i) => `k${i}`);
    const big = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'big' }, data: Object.fromEntries(items.map((k) => [k, 'v'])) };
    const nested = policy(`${rules('["*"]')}  validations:\n    - expression: "object.data.all(a, object.data.all(b, object.data.all(c, a != '')))"\n`);
    expect(brief(admit(policySet(nested), [], [big]))[0]).toMatch(/failed: estimated cost .* exceeds the budget/);
  });

  it('never repeats a Secret value in a message', () => {
    const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db' }, stringData: { password: 'hunter2-secret' } };
    const leaky = policy(`${rules('[secrets]')}  validations:\n    - expression: "false"\n      messageExpression: "'password is ' + object.stringData.password"\n`);
    expect(brief(admit(policySet(leaky), [], [secret]))).toEqual(['policy:p error Secret/db: password is ***']);
  });
});
