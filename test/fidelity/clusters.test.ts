// Change clustering on real renders. Expectations are written by hand from what
// helm template and kubectl kustomize render: a chart bump stamps the new
// `helm.sh/chart` label on every object, each Deployment's checksum/config
// annotation takes a digest of its own ConfigMap, and a kustomize label change
// renames every generated ConfigMap (the hash covers the labels).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { TestRepo } from '../helpers/git-repo.js';

const chart = {
  'chart/templates/apps.yaml': `{{- range $app := .Values.apps }}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ $app }}-config
  labels: {helm.sh/chart: "{{ $.Chart.Name }}-{{ $.Chart.Version }}", app: {{ $app }}}
data:
  APP: {{ $app }}
  LOG_LEVEL: {{ $.Values.logLevel }}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ $app }}
  labels: {helm.sh/chart: "{{ $.Chart.Name }}-{{ $.Chart.Version }}", app: {{ $app }}}
spec:
  replicas: 2
  selector: {matchLabels: {app: {{ $app }}}}
  template:
    metadata:
      labels: {app: {{ $app }}}
      annotations:
        checksum/config: {{ printf "%s-%s" $app $.Values.logLevel | sha256sum }}
    spec:
      securityContext: {runAsNonRoot: true}
      containers:
        - name: {{ $app }}
          image: registry.example.com/{{ $app }}:1.0.0
          envFrom: [{configMapRef: {name: {{ $app }}-config}}]
          readinessProbe: {httpGet: {path: /ready, port: 8080}}
          resources: {requests: {cpu: 100m, memory: 64Mi}, limits: {memory: 128Mi}}
---
apiVersion: v1
kind: Service
metadata:
  name: {{ $app }}
  labels: {helm.sh/chart: "{{ $.Chart.Name }}-{{ $.Chart.Version }}", app: {{ $app }}}
spec:
  selector: {app: {{ $app }}}
  ports: [{port: 80, targetPort: 8080}]
{{- end }}
`,
};

const chartYaml = (version: string) => `apiVersion: v2\nname: shop\nversion: ${version}\n`;
const values = (logLevel: string) => `apps: [cart, web, api]\nlogLevel: ${logLevel}\n`;

interface Cluster {
  path: string;
  before: unknown;
  after: unknown;
  varied: boolean;
  impact?: string;
  pods?: number;
  members: Array<{ kind: string; name: string }>;
}

let repo: TestRepo;
beforeEach(() => {
  repo = new TestRepo();
});
afterEach(() => repo.dispose());

async function review(base: string, head: string) {
  const json = await cli(['review', '--repo', repo.dir, '--base', base, '--head', head, '--format', 'json']);
  const markdown = await cli(['review', '--repo', repo.dir, '--base', base, '--head', head, '--format', 'markdown']);
  return { parsed: JSON.parse(json.stdout) as { clusters: Cluster[]; targets: Array<{ changes: Array<{ kind: string; name: string; action: string; fields: Array<{ path: string }> }> }> }, markdown: markdown.stdout };
}

describe('change clusters', () => {
  it('a chart bump: the label once for 9 objects, the per-object digests once with their rollout, and no object repeats them', async () => {
    const base = repo.commit({ '.safe-deploy.yml': 'targets:\n  - {name: shop, path: chart, renderer: helm, namespace: shop}\n', 'chart/Chart.yaml': chartYaml('1.2.0'), 'chart/values.yaml': values('info'), ...chart });
    const head = repo.commit({ 'chart/Chart.yaml': chartYaml('1.3.0'), 'chart/values.yaml': values('debug') });
    const { parsed, markdown } = await review(base, head);
    const deployments = ['cart', 'web', 'api'].map((name) => ({ kind: 'Deployment', name }));
    // Rollouts first, then by how many objects; the JSON keeps every field of every change.
    expect(parsed.clusters.map(({ path, before, after, varied, impact, pods, members }) => ({ path, before, after, varied, impact, pods, members: members.map(({ kind, name }) => ({ kind, name })) }))).toEqual([
      { path: 'spec.template.metadata.annotations["checksum/config"]', before: null, after: null, varied: true, impact: 'rollout', pods: 6, members: deployments },
      {
        path: 'metadata.labels["helm.sh/chart"]',
        before: 'shop-1.2.0',
        after: 'shop-1.3.0',
        varied: false,
        impact: undefined,
        pods: undefined,
        // helm template writes ConfigMaps, then Services, then Deployments (its install order), each in template order.
        members: [...['cart', 'web', 'api'].map((name) => ({ kind: 'ConfigMap', name: `${name}-config` })), ...['cart', 'web', 'api'].map((name) => ({ kind: 'Service', name })), ...deployments],
      },
      { path: 'data.LOG_LEVEL', before: 'info', after: 'debug', varied: false, impact: undefined, pods: undefined, members: ['cart', 'web', 'api'].map((name) => ({ kind: 'ConfigMap', name: `${name}-config` })) },
    ]);
    expect(parsed.targets[0]!.changes.find((c) => c.kind === 'Deployment')!.fields.map((f) => f.path)).toEqual(['metadata.labels["helm.sh/chart"]', 'spec.template.metadata.annotations["checksum/config"]']);
    expect(markdown).toContain('### Repeated changes (3)');
    expect(markdown).toContain('- pod template annotation <code>checksum/config</code> changed, a digest of its own on each object, on 3 Deployments · 🔄 rollout (6 pods): <code>Deployment shop/cart</code>, <code>Deployment shop/web</code>, <code>Deployment shop/api</code>');
    expect(markdown).toContain('- label <code>helm.sh/chart</code> <code>shop-1.2.0</code> → <code>shop-1.3.0</code> on 9 objects (3 ConfigMaps, 3 Services, 3 Deployments): ');
    expect(markdown).toContain('- <code>data.LOG&#95;LEVEL</code> <code>info</code> → <code>debug</code> on 3 ConfigMaps: ');
    // Every object changed only in those ways: the target needs no section, and no diff block is left.
    expect(markdown).toContain('Every change of 1 target is listed above: <code>shop</code>');
    expect(markdown).not.toContain('```diff');
  });

  it('two objects sharing a change are no cluster; an object with more keeps the rest in its own diff', async () => {
    const twoApps = values('info').replace('[cart, web, api]', '[cart, web]');
    const base = repo.commit({ '.safe-deploy.yml': 'targets:\n  - {name: shop, path: chart, renderer: helm, namespace: shop}\n', 'chart/Chart.yaml': chartYaml('1.2.0'), 'chart/values.yaml': twoApps, ...chart });
    // The chart label moves on 6 objects; the log level only on 2 ConfigMaps (and their 2 digests).
    const head = repo.commit({ 'chart/Chart.yaml': chartYaml('1.3.0'), 'chart/values.yaml': twoApps.replace('info', 'debug') });
    const { parsed, markdown } = await review(base, head);
    expect(parsed.clusters.map((c) => `${c.path} ×${c.members.length}`)).toEqual(['metadata.labels["helm.sh/chart"] ×6']);
    // The ConfigMaps and Deployments keep their own diffs, without the label; the Services are only the label.
    expect(markdown.match(/```diff/g)).toHaveLength(4);
    expect(markdown).toMatch(/_Besides the repeated changes above:_\n\n```diff\n[^`]*-  LOG_LEVEL: info\n\+  LOG_LEVEL: debug\n/);
    expect(markdown).not.toMatch(/^[-+]\s+helm\.sh\/chart:/m);
    expect(markdown).toContain('_2 updates made only of the repeated changes above: <code>Service shop/cart</code>, <code>Service shop/web</code>._');
  });

  it('kustomize renames every generated ConfigMap whose data changes: the replaced objects join the clusters and keep their entries', async () => {
    // The generator's name hash covers the data (not the labels): a new TEAM literal renames each ConfigMap.
    const kustomization = (team: string) => `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: shop
labels:
  - pairs: {team: ${team}}
configMapGenerator:
  - {name: cart-config, literals: [APP=cart, TEAM=${team}]}
  - {name: web-config, literals: [APP=web, TEAM=${team}]}
  - {name: api-config, literals: [APP=api, TEAM=${team}]}
`;
    const base = repo.commit({ 'deploy/kustomization.yaml': kustomization('alpha') });
    const head = repo.commit({ 'deploy/kustomization.yaml': kustomization('beta') });
    const { parsed, markdown } = await review(base, head);
    const changes = parsed.targets[0]!.changes;
    // Three replaces, each to a new name.
    expect(changes.map((c) => `${c.action} ${c.kind}`)).toEqual(['replace ConfigMap', 'replace ConfigMap', 'replace ConfigMap']);
    // kustomize writes objects ordered by kind, then name.
    const names = ['api-config-<hash>', 'cart-config-<hash>', 'web-config-<hash>'];
    expect(parsed.clusters.map((c) => ({ path: c.path, before: c.before, after: c.after, names: c.members.map((m) => m.name.replace(/-[a-z0-9]{10}$/, '-<hash>')) }))).toEqual([
      { path: 'data.TEAM', before: 'alpha', after: 'beta', names },
      { path: 'metadata.labels.team', before: 'alpha', after: 'beta', names },
    ]);
    // A replace keeps its entry: its new name is the rest of its change.
    expect(markdown.match(/#### ♻️ replace/g)).toHaveLength(3);
    expect(markdown.match(/_Besides the repeated changes above:_/g)).toHaveLength(3);
    expect(markdown).not.toMatch(/^[-+]\s+team:/m);
    expect(markdown).not.toMatch(/^[-+]\s+TEAM:/m);
    expect(markdown).toMatch(/^-\s+name: cart-config-[a-z0-9]{10}\n\+\s+name: cart-config-[a-z0-9]{10}$/m);
  });
});
