// Fidelity of the blast-radius picture on a kustomize repository. Expectations are
// written by hand from what `kubectl kustomize` renders and how Kubernetes wires
// objects together: a configMapGenerator's hash-suffixed ConfigMap is renamed when a
// literal changes and kustomize rewrites the Deployment's reference (so the
// Deployment rolls out); the Service selects the Deployment's pod labels, the
// Ingress routes to the Service by name, the PDB selects the pods, the HPA names
// the Deployment; a Secret generated without a hash changes in place, and the
// workload that reads it through envFrom is not restarted.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { runCli, TestRepo } from '../helpers/git-repo.js';
import { parseFlowchart } from '../helpers/mermaid.js';

let repo: TestRepo;
let base: string;
let head: string;

const files = (level: string, password: string) => ({
  'deploy/kustomization.yaml': `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: shop
resources: [web.yaml, worker.yaml, routing.yaml]
configMapGenerator:
  - name: app-config
    literals: [LOG_LEVEL=${level}]
secretGenerator:
  - name: worker-env
    literals: [PASSWORD=${password}]
    options: {disableNameSuffixHash: true}
`,
  'deploy/web.yaml': `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: web
          image: registry.example.com/web:1.0.0
          volumeMounts: [{name: config, mountPath: /etc/web}]
      volumes:
        - name: config
          configMap: {name: app-config}
`,
  'deploy/worker.yaml': `apiVersion: apps/v1
kind: Deployment
metadata: {name: worker}
spec:
  selector: {matchLabels: {app: worker}}
  template:
    metadata: {labels: {app: worker}}
    spec:
      containers:
        - name: worker
          image: registry.example.com/worker:1.0.0
          envFrom: [{secretRef: {name: worker-env}}]
`,
  'deploy/routing.yaml': `apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web}
spec:
  rules:
    - host: shop.example.com
      http:
        paths:
          - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: web}
spec:
  minAvailable: 1
  selector: {matchLabels: {app: web}}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 2
  maxReplicas: 6
`,
});

beforeAll(() => {
  repo = new TestRepo();
  base = repo.commit(files('info', 'hunter2-base'));
  head = repo.commit(files('debug', 'hunter2-head'));
});
afterAll(() => repo.dispose());

function review(format: 'json' | 'markdown') {
  const result = runCli(['review', '--repo', repo.dir, '--base', base, '--head', head, '--format', format]);
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  return result.stdout;
}

interface Graph {
  nodes: Array<{ id: string; kind: string; namespace: string | null; name: string; action: string; impact?: string }>;
  edges: Array<{ from: string; to: string; via: string[] }>;
  omitted: number;
}

const CONFIG = /^app-config-[a-z0-9]{10}$/;

describe('blast radius through the CLI (kustomize)', () => {
  it('writes the graph of the ConfigMap and Secret changes into the JSON', () => {
    const json = JSON.parse(review('json')) as { targets: Array<{ name: string; blastRadius: Graph }> };
    expect(json.targets).toHaveLength(1);
    const graph = json.targets[0]!.blastRadius;
    const byId = new Map(graph.nodes.map((n) => [n.id, n]));
    const who = (id: string) => `${byId.get(id)!.kind} ${byId.get(id)!.name.replace(CONFIG, 'app-config-<hash>')}`;
    expect(graph.nodes.map((n) => `${n.action} ${who(n.id)} in ${n.namespace}${n.impact ? ` (${n.impact})` : ''}`).sort()).toEqual([
      'replace ConfigMap app-config-<hash> in shop',
      'unchanged Deployment worker in shop',
      'unchanged HorizontalPodAutoscaler web in shop',
      'unchanged Ingress web in shop',
      'unchanged PodDisruptionBudget web in shop',
      'unchanged Service web in shop',
      'update Deployment web in shop (rollout)',
      'update Secret worker-env in shop (not-rolled-out)',
    ]);
    expect(graph.edges.map((e) => `${who(e.from)} -${e.via.join('+')}-> ${who(e.to)}`).sort()).toEqual([
      'ConfigMap app-config-<hash> -volume-> Deployment web',
      'Deployment web -protects-> PodDisruptionBudget web',
      'Deployment web -scales-> HorizontalPodAutoscaler web',
      'Deployment web -selects-> Service web',
      'Secret worker-env -envFrom-> Deployment worker',
      'Service web -routes-> Ingress web',
    ]);
    expect(graph.omitted).toBe(0);
    expect(JSON.stringify(graph)).not.toContain('hunter2');
  });

  it('draws it in the comment as a Mermaid flowchart that Mermaid parses', async () => {
    const markdown = review('markdown');
    expect(markdown).toContain('<details><summary><b>Blast radius</b> · 8 objects</summary>');
    const block = /\n```mermaid\n([\s\S]*?)\n```\n/.exec(markdown)?.[1];
    expect(block).toBeDefined();
    const parsed = await parseFlowchart(block!);
    const texts = [...parsed.nodes.values()].map((n) => n.text.replace(/app-config-[a-z0-9]{10}/, 'app-config-<hash>')).sort();
    expect(texts).toEqual([
      'ConfigMap\nshop/app-config-<hash>\nreplace',
      'Deployment\nshop/web\nupdate · rollout',
      'Deployment\nshop/worker',
      'HorizontalPodAutoscaler\nshop/web',
      'Ingress\nshop/web',
      'PodDisruptionBudget\nshop/web',
      'Secret\nshop/worker-env\nupdate · not-rolled-out',
      'Service\nshop/web',
    ]);
    expect(parsed.edges.map((e) => e.text).sort()).toEqual(['HPA', 'PDB', 'envFrom', 'routes', 'selects', 'volume']);
    expect(markdown).not.toContain('hunter2');
  });
});

describe('blast radius of hostile names (plain YAML)', () => {
  it('keeps names in their labels: the diagram parses with exactly the objects of the change', async () => {
    const hostile = new TestRepo();
    try {
      const name = 'cfg"] --> evil["<script>alert(1)</script>`x`';
      const manifests = (value: string) => `apiVersion: v1
kind: ConfigMap
metadata: {name: ${JSON.stringify(name)}, namespace: shop}
data: {value: ${value}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: web
          image: registry.example.com/web:1.0.0
          env:
            - name: VALUE
              valueFrom: {configMapKeyRef: {name: ${JSON.stringify(name)}, key: value}}
`;
      const from = hostile.commit({ 'deploy/all.yaml': manifests('a') });
      const to = hostile.commit({ 'deploy/all.yaml': manifests('b') });
      const result = await cli(['review', '--repo', hostile.dir, '--base', from, '--head', to]);
      expect(result.stderr).toBe('');
      const block = /\n```mermaid\n([\s\S]*?)\n```\n/.exec(result.stdout)?.[1];
      expect(block).toBeDefined();
      expect(block).not.toMatch(/<script|evil\[/);
      const parsed = await parseFlowchart(block!);
      expect([...parsed.nodes.values()].map((n) => [n.text, n.tags])).toEqual([
        [`ConfigMap\nshop/${name}\nupdate · not-rolled-out`, ['br', 'br']],
        ['Deployment\nshop/web', ['br']],
      ]);
      expect(parsed.edges).toEqual([{ from: 'n0', to: 'n1', text: 'env' }]);
      expect(parsed.interactions).toBe(0);
    } finally {
      hostile.dispose();
    }
  });
});
