#!/usr/bin/env node
// Schema validation of 10,000 changed objects (Deployments, Services,
// ConfigMaps, custom resources of one CRD), as the review runs it: built-in
// validators, a CRD schema with a CEL rule, the unknown-field walk. Baseline
// in the same run: a structuredClone of the same objects (one pass over every
// field).
// Usage: node bench/schema-validation.mjs [objects] [runs]
import { judgeSchemas } from '../dist/core/policy/schema-invalid.js';
import { toResource } from '../dist/core/resource.js';
import { crdSchemas } from '../dist/core/schema/crds.js';
import { loadBuiltinSchemas } from '../dist/schema/packages.js';
import { median } from './lib/measure.mjs';

const [objects = 10000, runs = 5] = process.argv.slice(2).map(Number);

const crd = toResource(
  {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'backups.example.com' },
    spec: {
      group: 'example.com',
      scope: 'Namespaced',
      names: { kind: 'Backup', plural: 'backups' },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          schema: {
            openAPIV3Schema: {
              type: 'object',
              properties: {
                spec: {
                  type: 'object',
                  required: ['schedule'],
                  'x-kubernetes-validations': [{ rule: 'self.keep <= 365', message: 'keep at most a year' }],
                  properties: {
                    schedule: { type: 'string', pattern: '^[0-9*/ ,-]+$' },
                    retention: { type: 'string', enum: ['Daily', 'Weekly'] },
                    keep: { type: 'integer', minimum: 1 },
                    selector: { type: 'object', additionalProperties: { type: 'string' } },
                  },
                },
              },
            },
          },
        },
      ],
    },
  },
  'default',
);

const kinds = [
  (i) => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: `svc-${i}`, namespace: `team-${i % 20}`, labels: { app: `svc-${i}` } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: `svc-${i}` } },
      template: {
        metadata: { labels: { app: `svc-${i}` } },
        spec: {
          containers: [
            {
              name: 'app',
              image: `registry.example.com/svc-${i}:1.0.0`,
              // One object in ten has a typo, so the messages are part of the cost.
              ...(i % 10 === 0 ? { imagePullPolicyy: 'Always' } : { imagePullPolicy: 'IfNotPresent' }),
              ports: [{ containerPort: 8080, name: 'http' }],
              env: [{ name: 'MODE', value: 'prod' }],
              resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } },
              readinessProbe: { httpGet: { path: '/ready', port: 'http' } },
            },
          ],
        },
      },
    },
  }),
  (i) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: `svc-${i}`, namespace: `team-${i % 20}` }, spec: { selector: { app: `svc-${i}` }, ports: [{ port: 80, targetPort: 'http' }] } }),
  (i) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cfg-${i}`, namespace: `team-${i % 20}` }, data: { 'app.properties': `id=${i}` } }),
  (i) => ({ apiVersion: 'example.com/v1', kind: 'Backup', metadata: { name: `b-${i}`, namespace: `team-${i % 20}` }, spec: { schedule: '0 1 * * *', retention: i % 10 === 3 ? 'Monthly' : 'Daily', keep: 7, selector: { app: `svc-${i}` } } }),
];
const heads = Array.from({ length: objects }, (_, i) => toResource(kinds[i % kinds.length](i), 'default', { file: 'bench.yaml', line: 1 }));
const changes = heads.map((head) => ({ action: 'create', base: null, head, impacts: [] }));

const time = async (fn) => {
  const start = process.hrtime.bigint();
  const result = await fn();
  return { seconds: Number(process.hrtime.bigint() - start) / 1e9, result };
};
const load = await time(() => loadBuiltinSchemas(heads));
const builtins = load.result;
const crds = crdSchemas([crd]);
judgeSchemas(changes, builtins, crds, '1.33'); // warm-up: the CRD schema compiles once
const validation = [];
const clone = [];
for (let run = 0; run < runs; run++) {
  validation.push(await time(() => judgeSchemas(changes, builtins, crds, '1.33')));
  clone.push(await time(() => structuredClone(heads.map((r) => r.object))));
}
const [ours, baseline] = [median(validation.map((r) => r.seconds)), median(clone.map((r) => r.seconds))];
console.log(`${objects} changed objects (Deployment, Service, ConfigMap, a CR), ${validation[0].result.violations.length} problems; median of ${runs}`);
console.log('| measure | value |');
console.log('| --- | --- |');
console.log(`| schema validation | ${(ours * 1000).toFixed(0)} ms (${Math.round(objects / ours)} objects/s) |`);
console.log(`| baseline: structuredClone of the same objects | ${(baseline * 1000).toFixed(0)} ms |`);
console.log(`| ratio validation / clone | ${(ours / baseline).toFixed(1)}× |`);
console.log(`| loading the packages (first review only) | ${(load.seconds * 1000).toFixed(0)} ms |`);
