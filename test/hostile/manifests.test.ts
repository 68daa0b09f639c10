// Hostile merge-request content: each case ends in a clear per-target error or
// finding, within the limits, and nothing outside the checkout is ever read.
// Reviews run in-process, except the one that bounds the memory of the whole CLI
// process; how reading scales with size (24 MB and more) is bench/bounds.mjs's job.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { TestRepo, runCliMeasured, type CliResult } from '../helpers/git-repo.js';
import { configMap } from '../helpers/manifests.js';
import { SHAPES } from '../../bench/lib/yaml-shapes.mjs';

const SENTINEL = 'SENTINEL-7f3a9c-outside-the-checkout';
let outside: string;
let repo: TestRepo;

beforeAll(() => {
  outside = mkdtempSync(join(tmpdir(), 'safe-deploy-outside-'));
  writeFileSync(join(outside, 'secret.yaml'), `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: stolen}\ndata: {value: ${SENTINEL}}\n`);
  writeFileSync(join(outside, 'values.yaml'), `leak: ${SENTINEL}\n`);
});
afterAll(() => rmSync(outside, { recursive: true, force: true }));
afterEach(() => repo.dispose());

type Run = (args: string[]) => Promise<CliResult & { peakRssMB?: number | null }>;
/** The CLI in a process of its own, with that process's peak memory. */
const measured: Run = async (args) => runCliMeasured(args);

async function review(files: Record<string, string | null>, setup?: (r: TestRepo) => void, run: Run = cli) {
  repo = new TestRepo();
  const base = repo.commit({ 'ok/cm.yaml': configMap('ok', { a: '1' }) });
  setup?.(repo);
  const head = repo.commit({ ...files, 'ok/cm.yaml': configMap('ok', { a: '2' }) });
  const started = performance.now();
  const out = await run(['review', '--repo', repo.dir, '--base', base, '--head', head, '--format', 'json']);
  const seconds = (performance.now() - started) / 1000;
  expect(out.stdout + out.stderr).not.toContain(SENTINEL);
  expect(out.status).not.toBe(2);
  const json = JSON.parse(out.stdout);
  const byName = Object.fromEntries(json.targets.map((t: { name: string }) => [t.name, t]));
  // The unrelated target is always reviewed.
  expect(byName.ok).toMatchObject({ status: 'ok', changes: [expect.objectContaining({ name: 'ok' })] });
  return { json, byName, seconds, peakRssMB: out.peakRssMB };
}

type Reviewed = Awaited<ReturnType<typeof review>>;
const errorOf = (r: Reviewed, name: string) => (r.byName[name] as { status: string; error?: string }).error ?? '';

describe('hostile YAML', () => {
  it('a billion-laughs alias bomb', async () => {
    const levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 9; i++) levels.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill(`*${String.fromCharCode(96 + i)}`).join(',')}]`);
    const r = await review({ 'evil/bomb.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bomb}\ndata:\n${levels.map((l) => `  ${l}`).join('\n')}\n` });
    expect(errorOf(r, 'evil')).toMatch(/^evil\/bomb\.yaml:\d+: invalid YAML: .*alias/i);
  });

  it('10,000 levels of nesting, invalid UTF-8, duplicate keys and unknown tags', async () => {
    const r = await review({
      'deep/deep.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: deep}\ndata: {x: ${'['.repeat(10_000)}${']'.repeat(10_000)}}\n`,
      'bytes/bad.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bad}\ndata: {x: "\udc80"}\n',
      'dup/dup.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, name: b}\n',
      'tags/tag.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: tagged}\ndata: {x: !python/object:os.system "rm -rf /"}\n',
    });
    expect(errorOf(r, 'deep')).toMatch(/^deep\/deep\.yaml.*invalid YAML/);
    expect(errorOf(r, 'dup')).toMatch(/Map keys must be unique/);
    // An unknown tag is no code: the value stays a plain string.
    expect(r.byName.tags).toMatchObject({ status: 'ok' });
    expect(r.seconds).toBeLessThan(20);
  });

  it('a file over 32 MB and a file of over 50,000 documents', async () => {
    const big = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: big}\ndata:\n  x: "${'x'.repeat(33 * 1024 * 1024)}"\n`;
    const many = Array.from({ length: 50_001 }, (_, i) => `---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c${i}}\n`).join('');
    const r = await review({ 'big/big.yaml': big, 'many/many.yaml': many });
    expect(errorOf(r, 'big')).toBe('big/big.yaml: file is 33 MB, over the 32 MB limit');
    expect(errorOf(r, 'many')).toMatch(/renders 50001 objects, over the limit of 50000/);
  });

  // The parser needs up to a few hundred bytes of heap per byte of YAML: this used to abort the process.
  // Larger files of this shape (24 MB) are measured by bench/bounds.mjs.
  it('a 4 MB manifest that took 1 GB and two minutes fails its target within bounded memory', async () => {
    const r = await review({ 'evil/flow.yaml': SHAPES.flowMaps(4 * 2 ** 20) }, undefined, measured);
    expect(errorOf(r, 'evil')).toBe('evil/flow.yaml: too large to read within 512 MB of memory; split it into smaller files');
    expect(r.peakRssMB).toBeLessThan(900);
  });

  it('a 4 MB ConfigMap of 60,000 keys is read at once, not compared key by key', async () => {
    const r = await review({ 'wide/cm.yaml': SHAPES.configMap(4 * 2 ** 20) });
    expect(r.byName.wide).toMatchObject({ status: 'ok', changes: [expect.objectContaining({ action: 'create', kind: 'ConfigMap', name: 'big' })] });
    expect(r.seconds).toBeLessThan(20);
  });

  it('invalid UTF-8 bytes', async () => {
    const r = await review({}, (repo) => {
      writeFileSync(join(repo.dir, 'latin.yaml'), Buffer.from([0x6b, 0x69, 0x6e, 0x64, 0x3a, 0x20, 0xff, 0xfe, 0x0a]));
      writeFileSync(join(repo.dir, 'binary.yaml'), Buffer.concat([Buffer.from('apiVersion: v1\n'), Buffer.from([0xc3, 0x28])]));
    });
    expect(errorOf(r, '.')).toBe('binary.yaml: file is not valid UTF-8');
  });
});

describe('escapes from the checkout', () => {
  it('symlinks out and in loops, in plain, kustomize and helm targets, and paths with ..', async () => {
    const r = await review(
      {
        'k/kustomization.yaml': 'resources: [cm.yaml]\nconfigMapGenerator: [{name: x, files: [leak.yaml]}]\n',
        'k/cm.yaml': configMap('k', { a: '1' }),
        'chart/Chart.yaml': 'apiVersion: v2\nname: chart\nversion: 1.0.0\n',
        'chart/templates/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: files}\ndata: {leak: {{ .Files.Get "files/leak.yaml" | quote }}}\n',
        'apps/app.yaml': `apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: escape}\nspec:\n  source: {path: chart, helm: {valueFiles: ["../../../../..${outside}/values.yaml"]}}\n  destination: {namespace: x}\n`,
      },
      (repo) => {
        repo.symlink('plain/leak.yaml', join(outside, 'secret.yaml'));
        repo.symlink('k/leak.yaml', join(outside, 'secret.yaml'));
        repo.symlink('chart/files/leak.yaml', join(outside, 'secret.yaml'));
        repo.symlink('loop/a.yaml', 'b.yaml');
        repo.symlink('loop/b.yaml', 'a.yaml');
      },
    );
    expect(errorOf(r, 'plain')).toBe(`plain/leak.yaml: symlink points to ${outside}/secret.yaml, outside the repository; refused`);
    expect(errorOf(r, 'k')).toBe(`k/leak.yaml: symlink points to ${outside}/secret.yaml, outside the repository; refused`);
    expect(errorOf(r, 'escape')).toMatch(/value file ".*values\.yaml" points outside the repository; refused|symlink points outside/);
    expect(errorOf(r, 'loop')).toBe('loop/a.yaml: symlink loop (over 40 links); refused');
  });
});

describe('objects hidden in plain directories', () => {
  const binding = (name: string) =>
    `apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: ${name}}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}\nsubjects: [{kind: Group, name: "system:authenticated", apiGroup: rbac.authorization.k8s.io}]\n`;
  const bindingJson = (name: string) =>
    `{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRoleBinding","metadata":{"name":"${name}"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"cluster-admin"},"subjects":[{"kind":"Group","name":"system:authenticated","apiGroup":"rbac.authorization.k8s.io"}]}`;
  const created = (r: Reviewed, name: string) =>
    (r.byName[name] as { changes: Array<{ action: string; kind: string; name: string }> }).changes.map((c) => `${c.action} ${c.kind}/${c.name}`);

  it('a cluster-admin binding in a values file no chart reads, and in a stream of JSON objects', async () => {
    const r = await review({ 'deploy/values-prod.yaml': binding('values-admin'), 'stream/objects.json': `${bindingJson('stream-admin')}\n${bindingJson('second-admin')}\n` });
    expect(r.json.verdict).toBe('fail');
    expect(created(r, 'deploy')).toEqual(['create ClusterRoleBinding/values-admin']);
    expect(created(r, 'stream').sort()).toEqual(['create ClusterRoleBinding/second-admin', 'create ClusterRoleBinding/stream-admin']);
    const escalations = r.json.findings.filter((f: { rule: string }) => f.rule === 'rbac-escalation').map((f: { target: string; name: string }) => `${f.target}:${f.name}`);
    expect(escalations.sort()).toEqual(['deploy:values-admin', 'stream:second-admin', 'stream:stream-admin']);
  });

  it('a binding in JSON with a duplicate key, and a document that is not an object next to objects', async () => {
    const r = await review({
      'dup/crb.json': bindingJson('first').replace('"metadata":{"name":"first"}', '"metadata":{"name":"first"},"metadata":{"name":"admin"}'),
      'mixed/app.yaml': `${configMap('app', { a: '1' })}---\nreplicaCount: 2\n`,
    });
    expect(r.json.verdict).toBe('fail');
    expect(errorOf(r, 'dup')).toMatch(/^dup\/crb\.json:1: invalid YAML: Map keys must be unique/);
    expect(errorOf(r, 'mixed')).toBe('mixed/app.yaml:8: not a Kubernetes object: no apiVersion, kind, metadata.name; `kubectl apply -f mixed/` fails on it: make it a complete object or move it out of mixed/');
  });

  it('Jsonnet in an Argo CD directory application, and a file that is not an object in a Flux path', async () => {
    const r = await review({
      'argo/web.yaml': 'apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: web}\nspec:\n  source: {path: web, directory: {recurse: true}}\n  destination: {namespace: web}\n',
      'web/cm.yaml': configMap('web', { a: '1' }),
      'web/extra/admin.jsonnet': '{apiVersion: "v1", kind: "Namespace", metadata: {name: "hidden"}}\n',
      'flux/apps.yaml': 'apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: apps, namespace: flux-system}\nspec: {path: ./apps, sourceRef: {kind: GitRepository, name: flux-system}}\n',
      'apps/cm.yaml': configMap('apps', { a: '1' }),
      'apps/.sops.yaml': 'creation_rules: [{path_regex: .*}]\n',
    });
    expect(errorOf(r, 'web')).toBe('web/extra/admin.jsonnet: Argo CD evaluates Jsonnet in a directory application; safe-deploy cannot render Jsonnet, so it cannot predict this target');
    expect(errorOf(r, 'apps')).toBe('apps/.sops.yaml:1: not a Kubernetes object: no apiVersion, kind, metadata.name; Flux fails on it: make it a complete object or move it out of apps/');
  });
});
