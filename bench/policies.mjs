#!/usr/bin/env node
// CEL admission policies on the predicted diff: 100 ValidatingAdmissionPolicies
// (the docs' examples, varied) × 1,000 changed Deployments, against the built-in
// rule engine on the same changes in the same run.
// Usage: node bench/policies.mjs [policies] [objects] [runs]
import { diffResources } from '../dist/core/diff/index.js';
import { analyzeImpacts } from '../dist/core/impact.js';
import { admitChanges } from '../dist/core/policy/admission/evaluate.js';
import { readPolicySet } from '../dist/core/policy/admission/policies.js';
import { evaluatePolicies } from '../dist/core/policy/engine.js';
import { toResource } from '../dist/core/resource.js';
import { parseObjects } from '../dist/util/manifests.js';
import { median } from './lib/measure.mjs';

const [policies = 100, objects = 1000, runs = 5] = process.argv.slice(2).map(Number);

const templates = [
  (i) => ["has(object.metadata.labels) && 'label-" + i + "' in object.metadata.labels || true", 'needs a label'],
  (i) => ["object.spec.template.spec.containers.all(c, c.image.startsWith('registry" + i + ".example.com/') || c.image.contains('/'))", 'registry'],
  (i) => ['!has(object.spec.replicas) || object.spec.replicas <= ' + (10 + i), 'replicas'],
  () => ["object.spec.template.spec.containers.all(c, !has(c.resources) || !has(c.resources.limits) || !('memory' in c.resources.limits) || !quantity(c.resources.limits.memory).isGreaterThan(quantity('2Gi')))", 'memory'],
  (i) => ["oldObject == null || object.spec.selector == oldObject.spec.selector || " + i + ' > 0', 'selector'],
];
const yaml = Array.from({ length: policies }, (_, i) => {
  const [expression, message] = templates[i % templates.length](i);
  return `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: p${i}}
spec:
  matchConstraints:
    resourceRules: [{apiGroups: [apps], apiVersions: [v1], operations: [CREATE, UPDATE], resources: [deployments]}]
  validations:
    - expression: ${JSON.stringify(expression)}
      message: ${message}
`;
}).join('---\n');
const { set, problems } = readPolicySet(parseObjects(yaml, 'bench.yaml', 'default'));
if (problems.length) throw new Error(problems[0].message);

const deployment = (i, version) =>
  toResource(
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: `svc-${i}`, namespace: `team-${i % 20}`, labels: { app: `svc-${i}`, owner: 'team' } },
      spec: {
        replicas: 2 + (i % 5),
        selector: { matchLabels: { app: `svc-${i}` } },
        template: {
          metadata: { labels: { app: `svc-${i}` } },
          spec: { containers: [{ name: 'app', image: `registry.example.com/svc-${i}:${version}`, resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } } }] },
        },
      },
    },
    'default',
    { file: 'bench.yaml', line: 1 },
  );
const base = Array.from({ length: objects }, (_, i) => deployment(i, '1.0.0'));
const head = Array.from({ length: objects }, (_, i) => deployment(i, '1.1.0'));
const changes = analyzeImpacts(diffResources(base, head), { base, head });
const context = { namespaces: new Map(), plurals: new Map() };

const time = (fn) => {
  const start = process.hrtime.bigint();
  const result = fn();
  return { seconds: Number(process.hrtime.bigint() - start) / 1e9, result };
};
time(() => admitChanges(changes, set, context, () => '')); // warm-up
const admission = Array.from({ length: runs }, () => time(() => admitChanges(changes, set, context, () => '')));
const builtin = Array.from({ length: runs }, () => time(() => evaluatePolicies({ target: 'b', changes, base, head }, { rules: {}, exclude: [] })));
const [ours, baseline] = [median(admission.map((r) => r.seconds)), median(builtin.map((r) => r.seconds))];
const evaluations = policies * objects;
console.log(`${policies} policies × ${objects} changed Deployments (${admission[0].result.length} violations); median of ${runs}`);
console.log('| measure | value |');
console.log('| --- | --- |');
console.log(`| CEL admission, all policies | ${(ours * 1000).toFixed(0)} ms (${Math.round(evaluations / ours)} policy evaluations/s) |`);
console.log(`| baseline: the 24 built-in rules on the same changes | ${(baseline * 1000).toFixed(0)} ms |`);
console.log(`| ratio admission / built-in rules | ${(ours / baseline).toFixed(1)}× |`);
