// The kustomize renderer: `kustomize build` of the target at one revision, root-only
// load restrictor, no plugins, no Helm, offline. A wrapper kustomization adds
// origin annotations (so every object knows its file) and Argo CD's overrides.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { stringify } from 'yaml';
import { isObject, type Resource } from '../core/resource.js';
import { resolveInRepo, type Snapshot } from '../repo/snapshot.js';
import { kustomizationFile, kustomizeInputs } from '../targets/kustomize-inputs.js';
import { repoDir, type Target } from '../targets/target.js';
import type { Limits } from './sandbox.js';
import { runSandboxed } from './sandbox.js';
import { findTool } from './tools.js';
import { parseObjects } from './yaml-objects.js';

const ORIGIN = 'config.kubernetes.io/origin';
let wrappers = 0;

/** The repository file an origin annotation names, relative to the wrapper directory. */
function originFile(origin: string, wrapperDir: string): string | undefined {
  const match = /^(?:path|configuredIn):\s*(\S+)/m.exec(origin);
  return match ? (resolveInRepo(wrapperDir, match[1]!) ?? undefined) : undefined;
}

/** Takes the origin annotation off an object (it is build metadata, not part of the object) and returns it. */
function takeOrigin(resource: Resource): string | undefined {
  const metadata = resource.object.metadata;
  if (!isObject(metadata) || !isObject(metadata.annotations)) return undefined;
  const origin = metadata.annotations[ORIGIN];
  delete metadata.annotations[ORIGIN];
  if (Object.keys(metadata.annotations).length === 0) delete metadata.annotations;
  return typeof origin === 'string' ? origin : undefined;
}

/** The line of the object in its source file, found by kind and name. */
async function lineIn(snapshot: Snapshot, file: string, resource: Resource, cache: Map<string, Resource[]>): Promise<number | undefined> {
  if (!cache.has(file)) {
    let objects: Resource[] = [];
    try {
      objects = parseObjects(await snapshot.readText(file), file, 'default');
    } catch {
      // The render succeeded, so the file is fine; a failure here only costs the line number.
    }
    cache.set(file, objects);
  }
  const candidates = cache.get(file)!.filter((o) => o.kind === resource.kind);
  const match = candidates.find((o) => o.name === resource.name) ?? candidates.find((o) => resource.name.includes(o.name));
  return match?.source?.line;
}

export async function renderKustomize(snapshot: Snapshot, target: Target, limits: Limits): Promise<Resource[]> {
  const tool = await findTool('kustomize');
  const dir = repoDir(target.path);
  const inputs = await kustomizeInputs(snapshot, dir);
  await snapshot.materialize(inputs.files);
  const wrapperDir = `.safe-deploy-build-${process.pid}-${wrappers++}`;
  const wrapper = {
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    resources: [posix.join('..', dir || '.')],
    buildMetadata: ['originAnnotations'],
    ...(target.kustomize?.namePrefix ? { namePrefix: target.kustomize.namePrefix } : {}),
    ...(target.kustomize?.nameSuffix ? { nameSuffix: target.kustomize.nameSuffix } : {}),
    ...(target.kustomize?.images?.length ? { images: target.kustomize.images.map(imageOverride) } : {}),
  };
  const wrapperPath = join(snapshot.root, wrapperDir);
  await mkdir(wrapperPath);
  try {
    await writeFile(join(wrapperPath, 'kustomization.yaml'), stringify(wrapper));
    const output = await runSandboxed(
      tool.command,
      [...tool.prefix, wrapperDir, '--load-restrictor', 'LoadRestrictionsRootOnly', '--enable-alpha-plugins=false', '--enable-helm=false'],
      { cwd: snapshot.root, limits, hidePaths: [snapshot.root], label: `kustomize build ${target.path}` },
    );
    const resources = parseObjects(output, `${target.path} (kustomize build)`, target.namespace);
    const cache = new Map<string, Resource[]>();
    for (const resource of resources) {
      const file = originFile(takeOrigin(resource) ?? '', wrapperDir);
      const line = file ? await lineIn(snapshot, file, resource, cache) : undefined;
      resource.source = file ? { file, ...(line ? { line } : {}) } : { file: kustomizationFile(snapshot, dir) ?? target.path };
    }
    return resources;
  } finally {
    await rm(wrapperPath, { recursive: true, force: true });
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
