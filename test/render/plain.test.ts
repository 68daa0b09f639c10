import { afterEach, describe, expect, it } from 'vitest';
import { RenderError } from '../../src/errors.js';
import { renderTarget } from '../../src/render/index.js';
import { renderPlain } from '../../src/render/plain.js';
import { DEFAULT_LIMITS } from '../../src/render/sandbox.js';
import { parseObjects } from '../../src/render/yaml-objects.js';
import { Snapshot } from '../../src/repo/snapshot.js';
import { TestRepo } from '../helpers/git-repo.js';
import { configMap, deployment } from '../helpers/manifests.js';

describe('parseObjects', () => {
  it('reads multi-document YAML with the line of each object, skipping empty documents', async () => {
    const text = `# leading comment\n${configMap('a', { k: 'v' })}---\n---\n${configMap('b', { k: 'v' })}`;
    const objects = await parseObjects(text, 'x.yaml', 'shop');
    expect(objects.map((o) => [o.name, o.namespace, o.source])).toEqual([
      ['a', 'shop', { file: 'x.yaml', line: 2 }],
      ['b', 'shop', { file: 'x.yaml', line: 10 }],
    ]);
  });

  it('flattens List kinds, keeping each item line', async () => {
    const text = `apiVersion: v1
kind: List
items:
  - apiVersion: v1
    kind: ConfigMap
    metadata: { name: one }
  - apiVersion: v1
    kind: ConfigMap
    metadata: { name: two }
`;
    expect((await parseObjects(text, 'list.yaml', 'd')).map((o) => [o.name, o.source?.line])).toEqual([
      ['one', 4],
      ['two', 7],
    ]);
  });

  it('reads JSON files', async () => {
    const objects = await parseObjects('{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"j"}}', 'j.json', 'd');
    expect(objects[0]!.name).toBe('j');
  });

  it('skips YAML that is not a Kubernetes object', async () => {
    expect(await parseObjects('name: app\nimage: x\n---\nreplicaCount: 2\n', 'values.yaml', 'd')).toEqual([]);
  });

  it('reads YAML 1.1 like Kubernetes does (octal modes)', async () => {
    const [pod] = await parseObjects('apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {volumes: [{name: v, secret: {defaultMode: 0644}}]}\n', 'p.yaml', 'd');
    expect(JSON.stringify(pod!.object)).toContain('"defaultMode":420');
  });

  it('reports invalid YAML and duplicate keys with file and line', async () => {
    const bad = parseObjects('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  name: b\n', 'dup.yaml', 'd');
    await expect(bad).rejects.toThrow(RenderError);
    await expect(bad).rejects.toThrow(/^dup\.yaml:5: invalid YAML: Map keys must be unique/);
  });

  it('stops alias bombs', async () => {
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 9; i++) bomb.push(`${'abcdefghi'[i]}: &${'abcdefghi'[i]} [${Array(9).fill(`*${'abcdefghi'[i - 1]}`).join(',')}]`);
    const text = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bomb}\ndata:\n${bomb.map((l) => `  ${l}`).join('\n')}\n`;
    await expect(parseObjects(text, 'bomb.yaml', 'd')).rejects.toThrow(/alias/i);
  });
});

describe('renderPlain', () => {
  let repo: TestRepo;
  let snapshot: Snapshot | undefined;
  afterEach(async () => {
    await snapshot?.dispose();
    repo.dispose();
  });

  it('renders every manifest directly in the directory, not in subdirectories', async () => {
    repo = new TestRepo();
    const sha = repo.commit({
      'apps/web/deploy.yaml': deployment('web'),
      'apps/web/config.yml': configMap('web-config', { a: '1' }),
      'apps/web/kustomization.yaml': 'resources: [deploy.yaml]\n',
      'apps/web/README.md': '# not yaml',
      'apps/web/nested/other.yaml': configMap('nested', { a: '1' }),
    });
    snapshot = await Snapshot.open(repo.dir, sha);
    const objects = await renderPlain(snapshot, { name: 'apps/web', path: 'apps/web', renderer: 'plain', namespace: 'shop' });
    expect(objects.map((o) => `${o.kind}/${o.namespace}/${o.name}@${o.source?.file}:${o.source?.line}`)).toEqual([
      'ConfigMap/shop/web-config@apps/web/config.yml:1',
      'Deployment/shop/web@apps/web/deploy.yaml:1',
    ]);
  });

  it('ignores unparseable files that are not manifests, reports manifests that are', async () => {
    repo = new TestRepo();
    const sha = repo.commit({
      'ci/pipeline.yml': 'steps: [unclosed\n',
      'ci/job.yaml': configMap('job-config', { a: '1' }),
      'deploy/broken.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: [oops\n',
    });
    snapshot = await Snapshot.open(repo.dir, sha);
    const ci = await renderPlain(snapshot, { name: 'ci', path: 'ci', renderer: 'plain', namespace: 'd' });
    expect(ci.map((o) => o.name)).toEqual(['job-config']);
    await expect(renderPlain(snapshot, { name: 'deploy', path: 'deploy', renderer: 'plain', namespace: 'd' })).rejects.toThrow(/invalid YAML/);
  });

  it('refuses a symlink that points outside the repository', async () => {
    repo = new TestRepo();
    repo.symlink('deploy/passwd.yaml', '/etc/passwd');
    const sha = repo.commit({ 'deploy/ok.yaml': configMap('ok', { a: '1' }) });
    snapshot = await Snapshot.open(repo.dir, sha);
    await expect(renderPlain(snapshot, { name: 'deploy', path: 'deploy', renderer: 'plain', namespace: 'd' })).rejects.toThrow(
      'deploy/passwd.yaml: symlink points outside the repository; refused',
    );
  });
});

describe('renderTarget', () => {
  let repo: TestRepo;
  let snapshot: Snapshot | undefined;
  afterEach(async () => {
    await snapshot?.dispose();
    repo.dispose();
  });

  it('refuses an object defined twice, naming both places', async () => {
    repo = new TestRepo();
    snapshot = await Snapshot.open(repo.dir, repo.commit({ 'd/a.yaml': configMap('cfg', { a: '1' }), 'd/b.yaml': `# copy\n${configMap('cfg', { a: '2' })}` }));
    await expect(renderTarget(snapshot, { name: 'd', path: 'd', renderer: 'plain', namespace: 'x' }, DEFAULT_LIMITS)).rejects.toThrow(
      'd/b.yaml:2: ConfigMap x/cfg is defined twice (d/a.yaml:1 and d/b.yaml:2); remove one',
    );
  });
});
