// What kustomize-controller builds for a Flux Kustomization at one revision: the
// kustomization it writes into the path (the path's own, or one it generates over
// the path's manifests) and every file that build reads.
import { fluxKustomization, generatedKustomization } from '../core/flux/kustomization.js';
import { isObject, type JsonObject } from '../core/resource.js';
import { RenderError } from '../errors.js';
import { resolveInRepo, type Snapshot } from '../repo/snapshot.js';
import { kustomizationFile, kustomizeInputs, readKustomization, type KustomizeInputs } from './kustomize-inputs.js';
import { repoDir, type Target } from '../core/target.js';

export interface FluxBuild {
  /** The kustomization file of the path, when it has one (Flux edits it); null when Flux generates one. */
  file: string | null;
  kustomization: JsonObject;
  inputs: KustomizeInputs;
  /** The manifest files a generated kustomization lists (each must hold only Kubernetes objects). */
  scanned: string[];
}

const MANIFEST = /\.ya?ml$/;

/**
 * Flux's scan of a directory without a kustomization: every .yaml/.yml file below
 * it, except in directories holding a kustomization, which are resources as a whole.
 */
function scan(snapshot: Snapshot, dir: string): { files: string[]; dirs: string[] } {
  const prefix = dir ? `${dir}/` : '';
  const dirs = new Set<string>();
  const kustomized = (path: string) => kustomizationFile(snapshot, path) !== null;
  const files = snapshot.filesUnder(dir).filter((file) => {
    const parts = file.slice(prefix.length).split('/');
    for (let depth = 1; depth < parts.length; depth++) {
      const sub = prefix + parts.slice(0, depth).join('/');
      if (kustomized(sub)) {
        dirs.add(sub);
        return false;
      }
    }
    return MANIFEST.test(file);
  });
  return { files, dirs: [...dirs].sort() };
}

function merge(into: KustomizeInputs, from: KustomizeInputs): void {
  into.dirs.push(...from.dirs.filter((d) => !into.dirs.includes(d)));
  for (const key of ['files', 'data', 'includes'] as const) for (const f of from[key]) into[key].add(f);
  into.secretLiterals.push(...from.secretLiterals);
  into.secretEnvFiles.push(...from.secretEnvFiles);
  into.secretFiles.push(...from.secretFiles);
}

const relative = (dir: string, path: string) => `./${dir ? path.slice(dir.length + 1) : path}`;

/** The build of a Flux Kustomization target; a RenderError naming the file for anything refused. */
export async function fluxBuild(snapshot: Snapshot, target: Target): Promise<FluxBuild> {
  const dir = repoDir(target.path);
  const spec = target.flux ?? {};
  const file = kustomizationFile(snapshot, dir);
  let own: JsonObject;
  let inputs: KustomizeInputs;
  let scanned: string[] = [];
  if (file) {
    inputs = await kustomizeInputs(snapshot, dir);
    const parsed = await readKustomization(snapshot, file);
    own = isObject(parsed) ? parsed : {};
  } else {
    const found = scan(snapshot, dir);
    scanned = found.files;
    inputs = { dirs: [dir], files: new Set(found.files), data: new Set(), includes: new Set(found.dirs), secretLiterals: [], secretEnvFiles: [], secretFiles: [] };
    for (const sub of found.dirs) merge(inputs, await kustomizeInputs(snapshot, sub));
    own = generatedKustomization([...found.files, ...found.dirs].sort().map((path) => relative(dir, path)));
  }
  const components: string[] = [];
  for (const component of spec.components ?? []) {
    const path = resolveInRepo(dir, component);
    const where = target.declaredBy?.file ?? target.path;
    if (path === null || /^[a-z]+:|^git@|^github\.com[:/]/i.test(component)) throw new RenderError(`component path "${component}" must be local and relative`, where);
    if (!snapshot.hasDir(path) && !snapshot.files.has(path)) {
      if (spec.ignoreMissingComponents) continue;
      throw new RenderError(`component "${component}" not found under ${target.path}`, where);
    }
    merge(inputs, await kustomizeInputs(snapshot, path));
    components.push(component);
  }
  return { file, kustomization: fluxKustomization(own, spec, components), inputs, scanned };
}
