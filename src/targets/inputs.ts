// The files a target reads at one revision: what decides whether a change
// affects it.
import { plainFiles } from '../render/plain.js';
import { resolveInRepo, type Snapshot } from '../repo/snapshot.js';
import { kustomizeInputs } from './kustomize-inputs.js';
import { repoDir, type Target } from './target.js';

export async function targetInputs(snapshot: Snapshot, target: Target): Promise<Set<string>> {
  const dir = repoDir(target.path);
  const inputs = new Set<string>(target.declaredBy ? [target.declaredBy.file] : []);
  const add = (files: Iterable<string>) => {
    for (const file of files) inputs.add(file);
  };
  switch (target.renderer) {
    case 'plain':
      add(plainFiles(snapshot, target));
      break;
    case 'helm':
      add(snapshot.filesUnder(dir));
      for (const file of target.helm?.valueFiles ?? []) {
        const path = resolveInRepo(dir, file);
        if (path !== null) inputs.add(path);
      }
      break;
    case 'kustomize':
      try {
        add((await kustomizeInputs(snapshot, dir)).files);
      } catch {
        // A refused kustomization still reads its own directory; rendering reports the refusal.
        add(snapshot.filesIn(dir));
      }
      break;
  }
  return inputs;
}
