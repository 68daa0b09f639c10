// The kustomize renderer: `kustomize build` of the target at one revision, root-only
// load restrictor, no plugins, no Helm, offline. A wrapper kustomization adds
// origin annotations (so every object knows its file) and Argo CD's overrides.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { stringify } from 'yaml';
import { isObject, type Resource } from '../core/resource.js';
import { resolveInRepo, type Snapshot } from '../repo/snapshot.js';
import { kustomizationFile, kustomizeInputs, type KustomizeInputs } from './kustomize-inputs.js';
import { repoDir, type Target } from '../core/target.js';
import { RenderError } from '../errors.js';
import { generatorSecrets } from './generator-secrets.js';
import { openToRenderer, runSandboxed, type Limits } from './sandbox.js';
import { findTool } from './tools.js';
import { parseObjects } from '../util/manifests.js';

const ORIGIN = 'config.kubernetes.io/origin';
let wrappers = 0;

/** The repository file an origin annotation names, relative to the wrapper directory. */
function originFile(origin: string, wrapperDir: string): string | undefined {
  const match = /^(?:path|configuredIn):\s*(\S+)/m.exec(origin);
  return match ? (resolveInRepo(wrapperDir, match[1]!) ?? undefined) : undefined;
}

/** The line of the object in its source file, found by kind and name. */
async function lineIn(snapshot: Snapshot, file: string, resource: Resource, cache: Map<string, Resource[]>): Promise<number | undefined> {
  if (!cache.has(file)) {
    let objects: Resource[] = [];
    try {
      objects = await parseObjects(await snapshot.readText(file), file, 'default');
    } catch {
      // The render succeeded, so the file is fine; a failure here only costs the line number.
    }
    cache.set(file, objects);
  }
  const candidates = cache.get(file)!.filter((o) => o.kind === resource.kind);
  const match = candidates.find((o) => o.name === resource.name) ?? candidates.find((o) => resource.name.includes(o.name));
  return match?.source?.line;
}

const TARGET_TAG = 'safe-deploy.dev/render-target';
const BUILD_FLAGS = ['--load-restrictor', 'LoadRestrictionsRootOnly', '--enable-alpha-plugins=false', '--enable-helm=false'];

/** The kustomization that renders one target from inside the build directory, with Argo CD's overrides and, in a batch, a tag. */
export function targetKustomization(path: string, target: Pick<Target, 'kustomize'>, depth: number, tag?: number): Record<string, unknown> {
  return {
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    resources: [posix.join(...Array<string>(depth).fill('..'), repoDir(path) || '.')],
    ...(target.kustomize?.namePrefix ? { namePrefix: target.kustomize.namePrefix } : {}),
    ...(target.kustomize?.nameSuffix ? { nameSuffix: target.kustomize.nameSuffix } : {}),
    ...(target.kustomize?.images?.length ? { images: target.kustomize.images.map(imageOverride) } : {}),
    // The tag goes on each object's own metadata only (not pod templates), and is taken off after the build.
    ...(tag !== undefined
      ? {
          transformers: [
            stringify({ apiVersion: 'builtin', kind: 'AnnotationsTransformer', metadata: { name: 'safe-deploy-target' }, annotations: { [TARGET_TAG]: String(tag) }, fieldSpecs: [{ path: 'metadata/annotations', create: true }] }),
          ],
        }
      : {}),
  };
}

/** Takes an annotation off an object (build metadata, not part of the object) and returns it. */
function takeAnnotation(resource: Resource, key: string): string | undefined {
  const metadata = resource.object.metadata;
  if (!isObject(metadata) || !isObject(metadata.annotations)) return undefined;
  const value = metadata.annotations[key];
  delete metadata.annotations[key];
  if (Object.keys(metadata.annotations).length === 0) delete metadata.annotations;
  return typeof value === 'string' ? value : undefined;
}

/** Runs `kustomize build` on a kustomization written to a fresh directory of the checkout, removed afterwards. */
export async function build(snapshot: Snapshot, files: Record<string, Record<string, unknown>>, limits: Limits, label: string): Promise<{ output: string; dir: string }> {
  const tool = await findTool('kustomize');
  const dir = `.safe-deploy-build-${process.pid}-${wrappers++}`;
  const path = join(snapshot.root, dir);
  try {
    for (const [file, content] of Object.entries(files)) {
      await mkdir(join(path, posix.dirname(file)), { recursive: true });
      await writeFile(join(path, file), stringify(content));
    }
    await openToRenderer(snapshot.root);
    const output = await runSandboxed(tool.command, [...tool.prefix, dir, ...BUILD_FLAGS], { cwd: snapshot.root, limits, hidePaths: [snapshot.root], label });
    return { output, dir };
  } finally {
    await rm(path, { recursive: true, force: true });
  }
}

/**
 * Gives each rendered object the file (and line) that defines it, from its origin
 * annotation; `repoFile` maps a file of a build copy back to the repository's.
 */
export async function locate(snapshot: Snapshot, resources: Resource[], buildDir: string, fallback: (r: Resource) => string, cache = new Map<string, Resource[]>(), repoFile = (f: string) => f): Promise<void> {
  for (const resource of resources) {
    const origin = originFile(takeAnnotation(resource, ORIGIN) ?? '', buildDir);
    const file = origin === undefined ? undefined : repoFile(origin);
    const line = file ? await lineIn(snapshot, file, resource, cache) : undefined;
    resource.source = file ? { file, ...(line ? { line } : {}) } : { file: fallback(resource) };
  }
}

export async function renderKustomize(snapshot: Snapshot, target: Target, limits: Limits): Promise<Resource[]> {
  const dir = repoDir(target.path);
  const inputs = await kustomizeInputs(snapshot, dir);
  await snapshot.materialize(inputs.files, kustomizationFile(snapshot, dir) ?? target.path);
  const { output, dir: buildDir } = await buildReporting(snapshot, inputs, { ...targetKustomization(target.path, target, 1), buildMetadata: ['originAnnotations'] }, limits, `kustomize build ${target.path}`);
  const resources = await parseObjects(output, `${target.path} (kustomize build)`, target.namespace);
  await locate(snapshot, resources, buildDir, () => kustomizationFile(snapshot, dir) ?? target.path);
  return resources;
}

/** A build of one wrapper kustomization; a failure carries the generators' secret values, to be scrubbed from its message. */
export async function buildReporting(snapshot: Snapshot, inputs: KustomizeInputs, wrapper: Record<string, unknown>, limits: Limits, label: string): Promise<{ output: string; dir: string }> {
  const secrets = await generatorSecrets(snapshot, inputs);
  return build(snapshot, { 'kustomization.yaml': wrapper }, limits, label).catch((error: unknown) => {
    if (error instanceof RenderError) error.secrets.push(...secrets);
    throw error;
  });
}

const NO_NAMESPACE = '\u0000no-namespace';

/**
 * Renders many kustomize targets of one revision in one `kustomize build`: the
 * renderer's start-up dominates small overlays. Each target becomes a
 * sub-kustomization whose objects carry a tag, so the output splits back by
 * target exactly. Returns null when the batch cannot build as a whole (two
 * targets define the same object, one of them fails…): the caller then renders
 * each target alone, which also attributes errors to the right target.
 */
export async function renderKustomizeBatch(snapshot: Snapshot, targets: Target[], limits: Limits): Promise<Map<Target, Resource[]> | null> {
  try {
    const inputs = await Promise.all(targets.map((t) => kustomizeInputs(snapshot, repoDir(t.path))));
    await snapshot.materialize(inputs.flatMap((i) => [...i.files]), 'kustomize build');
    const files: Record<string, Record<string, unknown>> = {
      'kustomization.yaml': { apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: targets.map((_, i) => `t${i}`), buildMetadata: ['originAnnotations'] },
    };
    targets.forEach((target, i) => (files[`t${i}/kustomization.yaml`] = targetKustomization(target.path, target, 2, i)));
    const { output, dir } = await build(snapshot, files, limits, `kustomize build of ${targets.length} targets`);
    const results = new Map<Target, Resource[]>(targets.map((t) => [t, []]));
    for (const resource of await parseObjects(output, 'kustomize build', NO_NAMESPACE)) {
      const target = targets[Number(takeAnnotation(resource, TARGET_TAG))];
      if (!target) return null;
      if (resource.namespace === NO_NAMESPACE) resource.namespace = target.namespace;
      results.get(target)!.push(resource);
    }
    const parsed = new Map<string, Resource[]>();
    for (const target of targets) await locate(snapshot, results.get(target)!, dir, () => kustomizationFile(snapshot, repoDir(target.path)) ?? target.path, parsed);
    return results;
  } catch {
    return null;
  }
}

/** Argo CD image override syntax ("name=newName:tag", "name:tag", "name@digest") as a kustomize images entry. */
function imageOverride(spec: string): Record<string, string> {
  const [name, replacement] = spec.includes('=') ? spec.split('=', 2) as [string, string] : [spec.replace(/[:@].*$/, ''), spec];
  const digest = replacement.indexOf('@');
  if (digest !== -1) return { name, newName: replacement.slice(0, digest), digest: replacement.slice(digest + 1) };
  const colon = replacement.lastIndexOf(':');
  const hasTag = colon > replacement.lastIndexOf('/');
  const newName = hasTag ? replacement.slice(0, colon) : replacement;
  return { name, ...(newName !== name ? { newName } : {}), ...(hasTag ? { newTag: replacement.slice(colon + 1) } : {}) };
}
