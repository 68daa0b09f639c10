// The plain renderer: the files `kubectl apply -f DIR` reads (-R for recursive
// targets), read as kubectl reads them (cli-runtime pkg/resource/visitor.go:
// every .json, .yaml and .yml file, each a stream of documents; empty documents
// are skipped, anything else that is not a Kubernetes object fails the apply).
import { MANIFEST_EXTENSIONS } from '../core/manifests.js';
import type { Resource } from '../core/resource.js';
import { RenderError } from '../errors.js';
import type { Snapshot } from '../repo/snapshot.js';
import type { Target } from '../core/target.js';
import { readManifests, type Refusal } from '../util/manifests.js';

// Argo CD also evaluates the .jsonnet files of a directory application (argo-cd reposerver).
const JSONNET = /\.jsonnet$/i;

/**
 * The files of a plain target: what affects it, and what no guessed directory
 * target may take. Every manifest file below it, and for an Argo CD Application, Jsonnet.
 */
export function plainFiles(snapshot: Snapshot, target: Pick<Target, 'path' | 'recurse' | 'declaredBy'>): string[] {
  const files = target.recurse ? snapshot.filesUnder(target.path) : snapshot.filesIn(target.path);
  const argo = target.declaredBy?.kind === 'Application';
  return files.filter((f) => MANIFEST_EXTENSIONS.test(f) || (argo && JSONNET.test(f)));
}

/**
 * Every object of the target's files. A document that is not a Kubernetes
 * object fails the target, as it fails `kubectl apply`, unless its file is one a
 * chart, an Application, a kustomization or the config reads as data
 * (target.dataFiles). A guessed directory (nothing declares it) that holds no
 * object at all is no target: it renders to nothing.
 */
export async function renderPlain(snapshot: Snapshot, target: Target): Promise<Resource[]> {
  const files = plainFiles(snapshot, target);
  const jsonnet = files.find((f) => JSONNET.test(f));
  if (jsonnet) throw new RenderError('Argo CD evaluates Jsonnet in a directory application; safe-deploy cannot render Jsonnet, so it cannot predict this target', jsonnet);
  const data = new Set(target.dataFiles);
  const resources: Resource[] = [];
  let refused: Refusal | undefined;
  for (const file of files) {
    const manifests = await readManifests(await snapshot.readText(file), file, target.namespace);
    resources.push(...manifests.resources);
    if (!data.has(file)) refused ??= manifests.refused[0];
  }
  if (refused && !(target.guessed && resources.length === 0)) {
    const dir = target.path === '.' ? '.' : `${target.path}/`;
    throw refusal(refused, `\`kubectl apply -f ${dir}\``, dir);
  }
  return resources;
}

/** The error for a document that `applier` refuses to apply from `dir`. */
export function refusal(refused: Refusal, applier: string, dir: string): RenderError {
  return new RenderError(`${refused.reason}; ${applier} fails on it: make it a complete object or move it out of ${dir}`, refused.file, refused.line);
}
