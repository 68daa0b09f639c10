// Fidelity of the environment matrix on a kustomize base with three overlays.
// Expectations are written by hand from what `kubectl kustomize` renders: each
// overlay prefixes every name (dev-, staging-, prod-) and sets its namespace, so
// one base change is one change per overlay, equal but for those names. prod
// patches replicas to 5, so the base's new replica count does not reach it: its
// Deployment change differs. A ConfigMap that dev creates and staging updates is
// two different changes of one object.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { TestRepo } from '../helpers/git-repo.js';

let repo: TestRepo;
let base: string;
let head: string;

const overlay = (env: string, extra = '') => `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namePrefix: ${env}-
namespace: ${env}
resources: [../../base${extra}]
`;

const files = (image: string, replicas: number, level: string) => ({
  'base/kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [web.yaml, config.yaml]\n',
  'base/web.yaml': `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: web
          image: registry.example.com/web:${image}
          envFrom: [{configMapRef: {name: config}}]
`,
  'base/config.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: config}\ndata: {LOG_LEVEL: ${level}}\n`,
  'overlays/dev/kustomization.yaml': overlay('dev'),
  'overlays/staging/kustomization.yaml': overlay('staging', ', feature.yaml'),
  'overlays/prod/kustomization.yaml': `${overlay('prod')}patches:
  - target: {kind: Deployment, name: web}
    patch: |
      - {op: replace, path: /spec/replicas, value: 5}
`,
});
const feature = (flag: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: feature}\ndata: {FLAG: "${flag}"}\n`;

beforeAll(() => {
  repo = new TestRepo();
  base = repo.commit({ ...files('1.0.0', 2, 'info'), 'overlays/staging/feature.yaml': feature('off') });
  head = repo.commit({
    ...files('1.1.0', 3, 'debug'),
    'overlays/staging/feature.yaml': feature('on'),
    'overlays/dev/kustomization.yaml': overlay('dev', ', feature.yaml'),
    'overlays/dev/feature.yaml': feature('on'),
  });
});
afterAll(() => repo.dispose());

interface JsonChange {
  action: string;
  kind: string;
  namespace: string;
  name: string;
  group: string;
  fields: Array<{ path: string; before: unknown; after: unknown }>;
}

describe('environment matrix', () => {
  it('groups one change made in several overlays, and shows where an environment differs', async () => {
    const { status, stdout } = await cli(['review', '--repo', repo.dir, '--base', base, '--head', head, '--format', 'json']);
    expect(status).toBe(0);
    const review = JSON.parse(stdout) as { targets: Array<{ name: string; changes: JsonChange[] }>; matrix: { targets: string[]; rows: unknown[]; groups: Array<{ id: string; members: unknown[] }> } };
    const changes = new Map<string, JsonChange>(review.targets.flatMap((t) => t.changes.map((c) => [`${t.name} ${c.action} ${c.kind} ${c.namespace}/${c.name}`, c] as const)));
    // What kustomize renders per overlay, and what changes: every change stays listed in its target.
    expect([...changes.keys()].sort()).toEqual([
      'overlays/dev create ConfigMap dev/dev-feature',
      'overlays/dev update ConfigMap dev/dev-config',
      'overlays/dev update Deployment dev/dev-web',
      'overlays/prod update ConfigMap prod/prod-config',
      'overlays/prod update Deployment prod/prod-web',
      'overlays/staging update ConfigMap staging/staging-config',
      'overlays/staging update ConfigMap staging/staging-feature',
      'overlays/staging update Deployment staging/staging-web',
    ]);
    const group = (key: string) => changes.get(key)!.group;
    // The base's ConfigMap change: the same in all three.
    const config = group('overlays/dev update ConfigMap dev/dev-config');
    expect(group('overlays/staging update ConfigMap staging/staging-config')).toBe(config);
    expect(group('overlays/prod update ConfigMap prod/prod-config')).toBe(config);
    // Image and replicas in dev and staging; prod keeps its patched 5 replicas, so only the image moves there.
    const web = group('overlays/dev update Deployment dev/dev-web');
    expect(group('overlays/staging update Deployment staging/staging-web')).toBe(web);
    expect(group('overlays/prod update Deployment prod/prod-web')).not.toBe(web);
    expect(changes.get('overlays/prod update Deployment prod/prod-web')!.fields.map((f) => f.path)).toEqual(['spec.template.spec.containers[name=web].image']);
    // Created in dev, updated in staging: two changes.
    expect(group('overlays/dev create ConfigMap dev/dev-feature')).not.toBe(group('overlays/staging update ConfigMap staging/staging-feature'));

    expect(review.matrix.targets).toEqual(['overlays/dev', 'overlays/prod', 'overlays/staging']);
    const rows = review.matrix.rows as Array<{ kind: string; baseName: string; differs: boolean; cells: Record<string, { action: string; group: string; namespace: string | null; name: string }> }>;
    const row = (kind: string, name: string) => rows.find((r) => r.kind === kind && r.baseName === name);
    expect(row('ConfigMap', 'config')).toEqual({
      kind: 'ConfigMap',
      baseName: 'config',
      differs: false,
      // Each cell names the object its target changes, as kustomize renders it.
      cells: {
        'overlays/dev': { action: 'update', group: config, namespace: 'dev', name: 'dev-config' },
        'overlays/prod': { action: 'update', group: config, namespace: 'prod', name: 'prod-config' },
        'overlays/staging': { action: 'update', group: config, namespace: 'staging', name: 'staging-config' },
      },
    });
    expect(row('Deployment', 'web')?.differs).toBe(true);
    expect(row('ConfigMap', 'feature')).toMatchObject({ differs: true, cells: { 'overlays/dev': { action: 'create' }, 'overlays/staging': { action: 'update' } } });
    expect(rows).toHaveLength(3);
    // Groups cover every change once.
    expect(review.matrix.groups.reduce((n, g) => n + g.members.length, 0)).toBe(8);
  });

  it('shows a change made in several targets once in the comment, with the table of objects by target', async () => {
    const { status, stdout } = await cli(['review', '--repo', repo.dir, '--base', base, '--head', head]);
    expect(status).toBe(0);
    // The ConfigMap diff once, not three times.
    expect(stdout.split('+  LOG_LEVEL: debug').length - 1).toBe(1);
    expect(stdout).toContain('Same in 3 targets: <code>overlays/dev</code>, <code>overlays/prod</code>, <code>overlays/staging</code>; shown for <code>overlays/dev</code>.');
    expect(stdout).toContain('Same in 2 targets: <code>overlays/dev</code>, <code>overlays/staging</code>; shown for <code>overlays/dev</code>.');
    // The table: objects by target, the differing ones first and marked.
    expect(stdout).toContain('| Object | <code>overlays/dev</code> | <code>overlays/prod</code> | <code>overlays/staging</code> |');
    const tableRows = stdout.split('\n').filter((l) => /^\| <code>(Deployment|ConfigMap) /.test(l));
    expect(tableRows.slice(0, 2).every((l) => l.includes('⚠️ differs'))).toBe(true);
    expect(tableRows).toContain('| <code>ConfigMap feature</code> ⚠️ differs | ➕ |  | ✏️ |');
    // prod's Deployment change is its own: no link to a shared entry.
    expect(tableRows.find((l) => l.startsWith('| <code>Deployment web</code>'))).toMatch(/^\| <code>Deployment web<\/code> ⚠️ differs \| \[✏️\]\(#safe-deploy-(g\d+)\) \| ✏️ \| \[✏️\]\(#safe-deploy-\1\) \|$/);
    expect(tableRows.find((l) => l.startsWith('| <code>ConfigMap config</code>'))).toMatch(/^\| <code>ConfigMap config<\/code> \| \[✏️\]\(#safe-deploy-(g\d+)\) \| \[✏️\]\(#safe-deploy-\1\) \| \[✏️\]\(#safe-deploy-\1\) \|$/);
    // The anchors the cells link to exist.
    for (const [, id] of stdout.matchAll(/\]\(#(safe-deploy-g\d+)\)/g)) expect(stdout).toContain(`<a id="${id}"></a>`);
    // prod's own Deployment change stays in prod's section; the shared ones are named there with a link.
    expect(stdout).toMatch(/_1 change the same as in other targets, shown once above: \[ConfigMap prod-config\]\(#safe-deploy-g\d+\)\._/);
    expect(stdout).toContain('#### ✏️ update <code>Deployment prod/prod-web</code>');
    expect(stdout.split('#### ✏️ update <code>Deployment ').length - 1).toBe(2);
  });
});
