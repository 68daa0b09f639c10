// The files a target reads at one revision: what decides whether a change
// affects it, and which of them it reads as data rather than as manifests.
import { repoDir, valuesReferencesOf, type Target } from '../core/target.js';
import { resolveInRepo, type Snapshot } from '../repo/snapshot.js';
import { fluxBuild } from './flux-build.js';
import { kustomizationFile, kustomizeInputs } from './kustomize-inputs.js';
import { plainFiles } from './plain.js';

export interface TargetInputs {
  files: Set<string>;
  /** Files read as values, chart content or kustomization inputs: never applied as manifests by this target. */
  data: Set<string>;
}

export async function targetInputs(snapshot: Snapshot, target: Target): Promise<TargetInputs> {
  const dir = repoDir(target.path);
  const files = new Set<string>(target.declaredBy ? [target.declaredBy.file] : []);
  const data = new Set<string>();
  switch (target.renderer) {
    case 'plain':
      for (const file of plainFiles(snapshot, target)) files.add(file);
      break;
    case 'helm':
      // A cached chart archive is no file of the repository: only the declaration and its values are.
      if (!target.helm?.chartArchive) for (const file of snapshot.filesUnder(dir)) data.add(file);
      for (const file of target.helm?.valueFiles ?? []) {
        const path = resolveInRepo(dir, file);
        if (path !== null) data.add(path);
      }
      break;
    case 'kustomize':
      try {
        const walk = target.flux ? (await fluxBuild(snapshot, target)).inputs : await kustomizeInputs(snapshot, dir);
        for (const file of walk.files) files.add(file);
        for (const file of walk.data) data.add(file);
      } catch {
        // A refused kustomization still reads its own directory; rendering reports the refusal.
        for (const file of snapshot.filesIn(dir)) files.add(file);
        const kfile = kustomizationFile(snapshot, dir);
        if (kfile) data.add(kfile);
      }
      break;
  }
  // The ConfigMaps and Secrets a Flux object substitutes or takes values from.
  for (const ref of valuesReferencesOf(target)) if (ref.file) data.add(ref.file);
  for (const file of data) files.add(file);
  // A symlink reads what it reaches: those files are inputs too, read the way the link is.
  for (const file of [...files]) {
    if (snapshot.files.has(file) && !snapshot.isSymlink(file)) continue;
    for (const dependency of await snapshot.dependencies(file)) {
      files.add(dependency);
      if (data.has(file)) data.add(dependency);
    }
  }
  return { files, data };
}
