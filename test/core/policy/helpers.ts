import { diffResources } from '../../../src/core/diff/index.js';
import { analyzeImpacts } from '../../../src/core/impact.js';
import type { Finding } from '../../../src/core/model.js';
import { evaluatePolicies, type PolicySettings } from '../../../src/core/policy/engine.js';
import type { JsonObject } from '../../../src/core/resource.js';
import { res } from '../../helpers/resources.js';

export interface Run {
  findings: Finding[];
  /** findings at base that no longer hold */
  resolved: number;
  /** rule ids that fired, in order */
  rules: string[];
  /** messages of one rule */
  of(rule: string): string[];
}

export function evaluate(base: JsonObject[], head: JsonObject[], settings: Partial<PolicySettings> = {}, kubernetesVersion?: string): Run {
  const [b, h] = [base.map((o) => res(o)), head.map((o) => res(o))];
  const changes = analyzeImpacts(diffResources(b, h), { base: b, head: h });
  const { findings, resolved } = evaluatePolicies(
    { target: 't', changes, base: b, head: h, ...(kubernetesVersion ? { kubernetesVersion } : {}) },
    { rules: {}, exclude: [], ...settings },
  );
  return { findings, resolved, rules: findings.map((f) => f.rule), of: (rule) => findings.filter((f) => f.rule === rule).map((f) => f.message) };
}

/** A Deployment that passes every static rule; `patch` merges into its container and pod spec. */
export function goodDeployment(name: string, opts: { container?: JsonObject; pod?: JsonObject; spec?: JsonObject; labels?: JsonObject } = {}): JsonObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'shop' },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: name } },
      ...opts.spec,
      template: {
        metadata: { labels: opts.labels ?? { app: name } },
        spec: {
          securityContext: { runAsNonRoot: true },
          ...opts.pod,
          containers: [
            {
              name: 'app',
              image: `registry.example.com/${name}:1.2.3`,
              readinessProbe: { httpGet: { path: '/ready', port: 8080 } },
              resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { memory: '128Mi' } },
              ...opts.container,
            },
          ],
        },
      },
    },
  };
}
