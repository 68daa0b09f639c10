import { afterEach, describe, expect, it } from 'vitest';
import { RenderError } from '../../src/errors.js';
import { renderTarget } from '../../src/render/index.js';
import { renderPlain } from '../../src/render/plain.js';
import { DEFAULT_LIMITS } from '../../src/render/sandbox.js';
import { parseObjects, readManifests } from '../../src/util/manifests.js';
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

// Expectations follow what kubectl 1.35 does with each file (`kubectl annotate --local -f FILE`, which reads
// files through the same resource builder as `kubectl apply -f`).
describe('readManifests: a file as kubectl reads it', () => {
  const read = async (text: string) => {
    const { resources, refused } = await readManifests(text, 'f.json', 'd');
    return { objects: resources.map((r) => `${r.kind}/${r.name}:${r.source?.line}`), refused: refused.map((e) => `${e.file}:${e.line}: ${e.reason}`) };
  };
  const cm = (name: string) => `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"${name}"}}`;

  it('reads a stream of JSON objects, and JSON followed by YAML', async () => {
    expect(await read(`${cm('a')}\n${cm('b')}${cm('c')}\n`)).toEqual({ objects: ['ConfigMap/a:1', 'ConfigMap/b:2', 'ConfigMap/c:2'], refused: [] });
    expect(await read(`${cm('a')}\n---\napiVersion: v1\nkind: Secret\nmetadata: {name: s}\n`)).toEqual({ objects: ['ConfigMap/a:1', 'Secret/s:3'], refused: [] });
    // A comment before the JSON makes it YAML, which reads the same object.
    expect(await read(`# generated\n${cm('a')}\n`)).toEqual({ objects: ['ConfigMap/a:2'], refused: [] });
  });

  it('refuses what follows one JSON object when it is not an object, and fails a broken stream of several', async () => {
    expect(await read(`${cm('a')} // trailing comment\n`)).toEqual({ objects: ['ConfigMap/a:1'], refused: ['f.json:1: not a Kubernetes object but a string'] });
    await expect(read(`${cm('a')}\n${cm('b')}\n{"apiVersion":\n`)).rejects.toThrow('f.json:3: invalid JSON: a stream of JSON objects continues with something that is not JSON');
  });

  it('fails on duplicate keys in JSON, where kubectl silently keeps the last', async () => {
    await expect(read('{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"},"metadata":{"name":"y"}}')).rejects.toThrow(/^f\.json:1: invalid YAML: Map keys must be unique/);
  });

  it('skips empty, comment-only and null documents', async () => {
    expect(await read('')).toEqual({ objects: [], refused: [] });
    expect(await read('# only a comment\n---\n---\nnull\n---\n~\n')).toEqual({ objects: [], refused: [] });
  });

  it('refuses documents that are not Kubernetes objects, naming what is missing', async () => {
    expect((await read('replicaCount: 2\n---\nkind: ConfigMap\nmetadata: {name: a}\n---\n- a\n---\njust text\n---\napiVersion: v1\nkind: ConfigMap\n')).refused).toEqual([
      'f.json:1: not a Kubernetes object: no apiVersion, kind, metadata.name',
      'f.json:3: not a Kubernetes object: no apiVersion',
      'f.json:6: not a Kubernetes object but a list',
      'f.json:8: not a Kubernetes object but a string',
      'f.json:10: not a Kubernetes object: no metadata.name',
    ]);
  });

  it('reads any object with items as a list, items naming no kind and apiVersion taking the list\'s', async () => {
    const text = `apiVersion: v1
kind: ConfigMap
metadata: {name: outer}
items:
  - apiVersion: rbac.authorization.k8s.io/v1
    kind: ClusterRoleBinding
    metadata: {name: inner}
---
apiVersion: v1
kind: ConfigMapList
items:
  - metadata: {name: inferred}
  - kind: Secret
    metadata: {name: half}
  - apiVersion: v1
    kind: List
    items: []
  - null
---
apiVersion: v1
kind: Secret
metadata: {name: none}
items: null
`;
    expect(await read(text)).toEqual({
      objects: ['ClusterRoleBinding/inner:5', 'ConfigMap/inferred:12'],
      refused: ['f.json:13: not a Kubernetes object: no apiVersion', 'f.json:15: a list inside a list', 'f.json:18: a list item that is not an object'],
    });
    expect((await read('items: [{apiVersion: v1, kind: ConfigMap, metadata: {name: a}}]\n')).refused).toEqual(['f.json:1: not a Kubernetes object: a list with no kind']);
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
    // The kustomization is read as data by the kustomize target of the directory.
    const objects = await renderPlain(snapshot, { name: 'apps/web', path: 'apps/web', renderer: 'plain', namespace: 'shop', dataFiles: ['apps/web/kustomization.yaml'] });
    expect(objects.map((o) => `${o.kind}/${o.namespace}/${o.name}@${o.source?.file}:${o.source?.line}`)).toEqual([
      'ConfigMap/shop/web-config@apps/web/config.yml:1',
      'Deployment/shop/web@apps/web/deploy.yaml:1',
    ]);
  });

  it('fails on a file kubectl cannot parse, even in a directory that holds no object', async () => {
    repo = new TestRepo();
    snapshot = await Snapshot.open(repo.dir, repo.commit({ 'ci/pipeline.yml': 'steps: [unclosed\n', 'ci/job.yaml': 'on: push\n' }));
    await expect(renderPlain(snapshot, { name: 'ci', path: 'ci', renderer: 'plain', namespace: 'd', guessed: true })).rejects.toThrow(/^ci\/pipeline\.yml:2: invalid YAML/);
  });

  it('refuses a document that is not an object unless its file is read as data; a guessed directory with no object is none', async () => {
    repo = new TestRepo();
    snapshot = await Snapshot.open(
      repo.dir,
      repo.commit({
        'ci/workflow.yml': 'on: push\njobs: {}\n',
        'deploy/cm.yaml': configMap('cm', { a: '1' }),
        'deploy/values-prod.yaml': 'replicaCount: 2\n',
        'deploy/README.json': '{"title": "notes"}\n',
      }),
    );
    const plain = (path: string, extra: object = {}) => renderPlain(snapshot!, { name: path, path, renderer: 'plain', namespace: 'd', ...extra });
    expect(await plain('ci', { guessed: true })).toEqual([]);
    await expect(plain('ci')).rejects.toThrow('ci/workflow.yml:1: not a Kubernetes object: no apiVersion, kind, metadata.name; `kubectl apply -f ci/` fails on it: make it a complete object or move it out of ci/');
    await expect(plain('deploy', { guessed: true })).rejects.toThrow(/^deploy\/README\.json:1: not a Kubernetes object/);
    await expect(plain('deploy', { dataFiles: ['deploy/README.json'] })).rejects.toThrow(/^deploy\/values-prod\.yaml:1: not a Kubernetes object/);
    const objects = await plain('deploy', { guessed: true, dataFiles: ['deploy/README.json', 'deploy/values-prod.yaml'] });
    expect(objects.map((o) => o.name)).toEqual(['cm']);
  });

  it('refuses Jsonnet in an Argo CD directory application, and a JSON file that is no object elsewhere', async () => {
    repo = new TestRepo();
    snapshot = await Snapshot.open(
      repo.dir,
      repo.commit({ 'apps/cm.yaml': configMap('cm', { a: '1' }), 'apps/sub/dashboard.json': '{"panels": []}\n', 'apps/sub/extra.jsonnet': '{}\n' }),
    );
    const declaredBy = (kind: string) => ({ kind, namespace: 'x', name: 'apps', file: 'apps.yaml' });
    const target = { name: 'apps', path: 'apps', renderer: 'plain', namespace: 'd', recurse: true } as const;
    await expect(renderPlain(snapshot, { ...target, declaredBy: declaredBy('Application') })).rejects.toThrow(
      'apps/sub/extra.jsonnet: Argo CD evaluates Jsonnet in a directory application; safe-deploy cannot render Jsonnet, so it cannot predict this target',
    );
    await expect(renderPlain(snapshot, target)).rejects.toThrow(/^apps\/sub\/dashboard\.json:1: not a Kubernetes object/);
  });

  it('refuses a symlink that points outside the repository', async () => {
    repo = new TestRepo();
    repo.symlink('deploy/passwd.yaml', '/etc/passwd');
    const sha = repo.commit({ 'deploy/ok.yaml': configMap('ok', { a: '1' }) });
    snapshot = await Snapshot.open(repo.dir, sha);
    await expect(renderPlain(snapshot, { name: 'deploy', path: 'deploy', renderer: 'plain', namespace: 'd' })).rejects.toThrow(
      'deploy/passwd.yaml: symlink points to /etc/passwd, outside the repository; refused',
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
