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

// Overlays of one app whose names share a stem (shop-) with no prefix of their own,
// beside an overlay that adds namePrefix eu- and a Namespace of its own. From
// `kubectl kustomize`: dev and prod keep shop-web, shop-settings; eu renders
// eu-shop-web, eu-shop-settings, and its Namespace shop-eu unprefixed (kustomize
// leaves Namespace, CustomResourceDefinition and APIService names alone). The base
// moves the Deployment from shop-config to a new ConfigMap shop-settings, which
// kustomize writes as eu-shop-settings in eu's reference: the same change.
describe('environment matrix, overlays with and without a name prefix', () => {
  let shop: TestRepo;
  let from: string;
  let to: string;
  const web = (config: string, tag: string) => `apiVersion: apps/v1
kind: Deployment
metadata: {name: shop-web}
spec:
  replicas: 2
  selector: {matchLabels: {app: shop-web}}
  template:
    metadata: {labels: {app: shop-web}}
    spec:
      containers:
        - name: web
          image: registry.example.com/shop:${tag}
          envFrom: [{configMapRef: {name: ${config}}}]
`;
  const configMap = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ${name}}\ndata: {LOG_LEVEL: info}\n`;
  const kustomization = (lines: string) => `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n${lines}`;
  const namespace = (tier: string) => `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop-eu\n  labels: {region: eu, tier: ${tier}}\n`;

  beforeAll(() => {
    shop = new TestRepo();
    from = shop.commit({
      'base/kustomization.yaml': kustomization('resources: [web.yaml, config.yaml]\n'),
      'base/web.yaml': web('shop-config', '2.0.0'),
      'base/config.yaml': configMap('shop-config'),
      'overlays/dev/kustomization.yaml': kustomization('namespace: shop-dev\nresources: [../../base]\n'),
      'overlays/prod/kustomization.yaml': kustomization('namespace: shop-prod\nresources: [../../base]\n'),
      'overlays/eu/kustomization.yaml': kustomization('namePrefix: eu-\nnamespace: shop-eu\nresources: [../../base, namespace.yaml]\n'),
      'overlays/eu/namespace.yaml': namespace('gold'),
    });
    to = shop.commit({
      'base/kustomization.yaml': kustomization('resources: [web.yaml, config.yaml, settings.yaml]\n'),
      'base/web.yaml': web('shop-settings', '2.1.0'),
      'base/settings.yaml': configMap('shop-settings'),
      'overlays/eu/namespace.yaml': namespace('platinum'),
    });
  });
  afterAll(() => shop.dispose());

  it('rows keep the shared stem, the prefixed overlay joins them, its Namespace stays its own', async () => {
    const { status, stdout } = await cli(['review', '--repo', shop.dir, '--base', from, '--head', to, '--format', 'json']);
    expect(status).toBe(0);
    const review = JSON.parse(stdout) as {
      targets: Array<{ name: string; changes: JsonChange[] }>;
      matrix: { targets: string[]; rows: Array<{ kind: string; baseName: string; differs: boolean; cells: Record<string, { action: string; group: string; namespace: string | null; name: string }> }> };
    };
    const changes = new Map<string, JsonChange>(review.targets.flatMap((t) => t.changes.map((c) => [`${t.name} ${c.action} ${c.kind} ${c.namespace ?? ''}/${c.name}`, c] as const)));
    expect([...changes.keys()].sort()).toEqual([
      'overlays/dev create ConfigMap shop-dev/shop-settings',
      'overlays/dev update Deployment shop-dev/shop-web',
      'overlays/eu create ConfigMap shop-eu/eu-shop-settings',
      'overlays/eu update Deployment shop-eu/eu-shop-web',
      'overlays/eu update Namespace /shop-eu',
      'overlays/prod create ConfigMap shop-prod/shop-settings',
      'overlays/prod update Deployment shop-prod/shop-web',
    ]);
    expect(changes.get('overlays/eu update Deployment shop-eu/eu-shop-web')!.fields.map((f) => [f.before, f.after])).toEqual([
      ['eu-shop-config', 'eu-shop-settings'],
      ['registry.example.com/shop:2.0.0', 'registry.example.com/shop:2.1.0'],
    ]);
    const group = (key: string) => changes.get(key)!.group;
    const deployment = group('overlays/dev update Deployment shop-dev/shop-web');
    const created = group('overlays/dev create ConfigMap shop-dev/shop-settings');
    expect(group('overlays/eu update Deployment shop-eu/eu-shop-web')).toBe(deployment);
    expect(group('overlays/prod update Deployment shop-prod/shop-web')).toBe(deployment);
    expect(group('overlays/eu create ConfigMap shop-eu/eu-shop-settings')).toBe(created);
    expect(group('overlays/prod create ConfigMap shop-prod/shop-settings')).toBe(created);
    // Each cell names its target's own object.
    const all = (g: string, action: string, name: string) => ({
      'overlays/dev': { action, group: g, namespace: 'shop-dev', name },
      'overlays/eu': { action, group: g, namespace: 'shop-eu', name: `eu-${name}` },
      'overlays/prod': { action, group: g, namespace: 'shop-prod', name },
    });
    expect(review.matrix.rows).toEqual([
      { kind: 'ConfigMap', baseName: 'shop-settings', differs: false, cells: all(created, 'create', 'shop-settings') },
      { kind: 'Deployment', baseName: 'shop-web', differs: false, cells: all(deployment, 'update', 'shop-web') },
      { kind: 'Namespace', baseName: 'shop-eu', differs: false, cells: { 'overlays/eu': { action: 'update', group: group('overlays/eu update Namespace /shop-eu'), namespace: null, name: 'shop-eu' } } },
    ]);
  });

  it('the comment shows each shared change once and the table by base identity', async () => {
    const { status, stdout } = await cli(['review', '--repo', shop.dir, '--base', from, '--head', to]);
    expect(status).toBe(0);
    // One diff for the three Deployments, one for the three ConfigMaps.
    expect(stdout.split('+                name: shop-settings').length - 1).toBe(1);
    expect(stdout.split('+  name: shop-settings').length - 1).toBe(1);
    expect(stdout.match(/^#### .*$/gm)).toEqual(['#### ➕ create <code>ConfigMap shop-dev/shop-settings</code>', '#### ✏️ update <code>Deployment shop-dev/shop-web</code>', '#### ✏️ update <code>Namespace shop-eu</code>']);
    expect(stdout).toContain('Same in 3 targets: <code>overlays/dev</code>, <code>overlays/eu</code>, <code>overlays/prod</code>; shown for <code>overlays/dev</code>.');
    expect(stdout).toContain('| Object | <code>overlays/dev</code> | <code>overlays/eu</code> | <code>overlays/prod</code> |');
    expect(stdout).toMatch(/\n\| <code>Deployment shop-web<\/code> \| \[✏️\]\(#safe-deploy-(g\d+)\) \| \[✏️\]\(#safe-deploy-\1\) \| \[✏️\]\(#safe-deploy-\1\) \|\n/);
    expect(stdout).toMatch(/\n\| <code>ConfigMap shop-settings<\/code> \| \[➕\]\(#safe-deploy-(g\d+)\) \| \[➕\]\(#safe-deploy-\1\) \| \[➕\]\(#safe-deploy-\1\) \|\n/);
    expect(stdout).toContain('\n| <code>Namespace shop-eu</code> |  | ✏️ |  |\n');
  });
});
