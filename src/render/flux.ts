// A Flux Kustomization's build, as kustomize-controller runs it: its kustomization,
// with the Kustomization's spec written in (targetNamespace, patches, images, …),
// takes the place of the path's own. The path is built from a copy at the same
// depth (so every relative reference reaches the same files), never edited in place:
// several Kustomizations may build one path at once. Then Flux's post-build.
import { copyFile, mkdir, rm, writeFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { stringify } from 'yaml';
import { parentDir, type Snapshot } from '../repo/snapshot.js';
import { fluxBuild } from './flux-build.js';
import { KUSTOMIZATION_FILES } from './kustomize-inputs.js';
import { repoDir, type Target } from '../core/target.js';
import { substituteOutput, withCommonMetadata } from './flux-post-build.js';
import { buildReporting, locate, targetKustomization } from './kustomize.js';
import type { Rendered } from './rendered.js';
import type { Limits } from './sandbox.js';
import { refusal } from './plain.js';
import { parseObjects, readManifests } from '../util/manifests.js';

let copies = 0;

export async function renderFluxKustomization(snapshot: Snapshot, target: Target, limits: Limits): Promise<Rendered> {
  const dir = repoDir(target.path);
  const build = await fluxBuild(snapshot, target);
  const declaredIn = target.declaredBy?.file ?? target.path;
  // Flux's scan decodes every file it lists and fails on one that is not Kubernetes objects.
  for (const file of build.scanned) {
    const [refused] = (await readManifests(await snapshot.readText(file), file, target.namespace)).refused;
    if (refused) throw refusal(refused, 'Flux', `${target.path === '.' ? '.' : target.path}/`);
  }
  await snapshot.materialize(build.inputs.files, build.file ?? declaredIn);
  const copy = posix.join(parentDir(dir), `.safe-deploy-flux-${process.pid}-${copies++}`);
  const prefix = dir ? `${dir}/` : '';
  try {
    await mkdir(join(snapshot.root, copy), { recursive: true });
    for (const file of build.inputs.files) {
      if (!file.startsWith(prefix)) continue;
      const inside = file.slice(prefix.length);
      // The kustomization Flux writes is the only one of the copy's top directory.
      if (KUSTOMIZATION_FILES.includes(inside)) continue;
      await mkdir(join(snapshot.root, copy, posix.dirname(inside)), { recursive: true });
      await copyFile(join(snapshot.root, file), join(snapshot.root, copy, inside));
    }
    await writeFile(join(snapshot.root, copy, 'kustomization.yaml'), stringify(build.kustomization));
    const wrapper = { ...targetKustomization(copy, {}, 1), buildMetadata: ['originAnnotations'] };
    const { output, dir: buildDir } = await buildReporting(snapshot, build.inputs, wrapper, limits, `kustomize build ${target.path} (Flux ${target.name})`);
    const { text, notes } = await substituteOutput(snapshot, target, output);
    const resources = await parseObjects(text, `${target.path} (kustomize build, Flux post-build)`, target.namespace);
    // Files of the copy are the path's; its kustomization is the path's or, generated, the Kustomization's.
    const repoFile = (file: string) => {
      if (file !== copy && !file.startsWith(`${copy}/`)) return file;
      const inside = file.slice(copy.length + 1);
      return inside === 'kustomization.yaml' ? (build.file ?? declaredIn) : prefix + inside;
    };
    await locate(snapshot, resources, buildDir, () => build.file ?? declaredIn, undefined, repoFile);
    const common = target.flux?.commonMetadata;
    return { resources: common ? withCommonMetadata(resources, common) : resources, notes };
  } finally {
    await rm(join(snapshot.root, copy), { recursive: true, force: true });
  }
}
