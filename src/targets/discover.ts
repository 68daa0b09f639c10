// Target discovery (DESIGN §7) on one revision: kustomization roots, Helm charts,
// Argo CD Applications and Flux Kustomizations. Which of them render from this
// repository is decided by targets/scope; plain directories are added per change by targets/plan.
import { isObject, type JsonObject } from '../core/resource.js';
import { parentDir, type Snapshot } from '../repo/snapshot.js';
import { readYaml, readYamlFile } from '../util/yaml-read.js';
import { applicationExternal, applicationTargets, isApplication } from './argocd.js';
import { detectRenderer } from './detect.js';
import { isArtifactGenerator } from './flux-artifacts.js';
import { fluxTarget, helmReleaseTarget, isFluxKustomization, isFluxSource, isHelmRelease, sourceKey, type FluxSources } from './flux.js';
import { locateValuesReferences } from './flux-values.js';
import { directIncludes, KUSTOMIZATION_FILES, kustomizationFile } from './kustomize-inputs.js';
import { at, declaration, str } from './object-fields.js';
import { MANIFEST_EXTENSIONS, repoDir, targetIdentity, type NotRendered, type Target } from './target.js';

const DECLARATION_GROUPS = ['argoproj.io', 'kustomize.toolkit.fluxcd.io', 'source.toolkit.fluxcd.io', 'source.extensions.fluxcd.io', 'helm.toolkit.fluxcd.io'];
const MAX_DECLARATION_BYTES = 1024 * 1024;

async function kustomizeRoots(snapshot: Snapshot): Promise<Target[]> {
  const dirs = new Set<string>();
  for (const file of snapshot.files.keys()) {
    const name = file.slice(file.lastIndexOf('/') + 1);
    if (KUSTOMIZATION_FILES.includes(name)) dirs.add(parentDir(file));
  }
  const included = new Set<string>();
  const components = new Set<string>();
  const found = await Promise.all([...dirs].map(async (dir) => ({ dir, ...(await directIncludes(snapshot, dir)) })));
  for (const { dir, includes, component } of found) {
    for (const path of includes) included.add(path);
    if (component) components.add(dir);
  }
  return [...dirs]
    .filter((dir) => !included.has(dir) && !components.has(dir) && detectRenderer(snapshot, dir) === 'kustomize')
    .sort()
    .map((dir) => ({ name: dir || '.', path: dir || '.', renderer: 'kustomize', namespace: 'default' }));
}

async function helmCharts(snapshot: Snapshot): Promise<Target[]> {
  const files = [...snapshot.files.keys()].filter((file) => {
    if (file !== 'Chart.yaml' && !file.endsWith('/Chart.yaml')) return false;
    const dir = parentDir(file);
    const parent = parentDir(parentDir(dir));
    // A subchart is rendered by its parent.
    return !(/(^|\/)charts\/[^/]+$/.test(dir) && snapshot.files.has(parent ? `${parent}/Chart.yaml` : 'Chart.yaml'));
  });
  const metas = await Promise.all(
    files.map(async (file) => {
      try {
        return await readYamlFile(await snapshot.readText(file), file);
      } catch {
        return null; // an unreadable Chart.yaml is still a chart; rendering reports the error
      }
    }),
  );
  return files
    .filter((_, i) => !(isObject(metas[i]) && (metas[i] as { type?: unknown }).type === 'library'))
    .sort()
    .map((file) => {
      const dir = parentDir(file);
      return { name: dir || '.', path: dir || '.', renderer: 'helm', namespace: 'default' };
    });
}

interface Declared {
  object: JsonObject;
  file: string;
}

/** The objects of a revision that may declare targets or name their sources, with their files. */
function declaringObjects(snapshot: Snapshot): Promise<Declared[]> {
  return remembered(declaring, snapshot.sha, async () => {
    // git finds the few files that can declare anything, without the process reading every manifest.
    const candidates = (await snapshot.grep(DECLARATION_GROUPS)).filter((f) => MANIFEST_EXTENSIONS.test(f)).sort();
    // A file that cannot be read or parsed (a Helm template, say) declares nothing; its own target reports any error.
    const documents = await Promise.all(
      candidates.map(async (file) => {
        try {
          return await readYaml(await snapshot.readText(file, MAX_DECLARATION_BYTES), file);
        } catch {
          return [];
        }
      }),
    );
    return candidates.flatMap((file, i) => documents[i]!.flatMap(({ value }) => (isObject(value) ? [{ object: value, file }] : [])));
  });
}

function fluxSources(declared: Declared[]): FluxSources {
  const sources: FluxSources = new Map();
  for (const { object } of declared) {
    if (isFluxSource(object) || isArtifactGenerator(object)) {
      sources.set(sourceKey(object.kind as string, str(at(object, 'metadata', 'namespace')) ?? 'default', str(at(object, 'metadata', 'name')) ?? ''), object);
    }
  }
  return sources;
}

async function declaredTargets(snapshot: Snapshot): Promise<Target[]> {
  const declared = await declaringObjects(snapshot);
  const sources = fluxSources(declared);
  const targets = await Promise.all(
    declared.map(async ({ object, file }) => {
      if (isApplication(object)) return applicationTargets(snapshot, object, file);
      if (isFluxKustomization(object)) return fluxTarget(snapshot, object, file, sources);
      if (isHelmRelease(object)) {
        const release = await helmReleaseTarget(snapshot, object, file, sources);
        return release && 'target' in release ? [release.target] : [];
      }
      return [];
    }),
  );
  const all = targets.flat();
  await locateValuesReferences(snapshot, all);
  return all;
}

/** Declarations of a revision whose objects come from outside any repository (charts of a Helm repository). */
export async function discoverExternal(snapshot: Snapshot): Promise<NotRendered[]> {
  const declared = await declaringObjects(snapshot);
  const sources = fluxSources(declared);
  const found = await Promise.all(
    declared.map(async ({ object, file }): Promise<NotRendered[]> => {
      if (isApplication(object)) return applicationExternal(object, file);
      if (!isHelmRelease(object)) return [];
      const release = await helmReleaseTarget(snapshot, object, file, sources);
      const name = str(at(object, 'metadata', 'name'))!;
      return release && 'external' in release ? [{ name, declaredBy: declaration(object, name, file), reason: release.external }] : [];
    }),
  );
  return found.flat();
}

/**
 * Every target of a revision except plain directories. A directory that an
 * Application or Flux Kustomization deploys is that declaration's target rather
 * than a target of its own.
 */
export function discoverTargets(snapshot: Snapshot, declarations?: Promise<Target[]>): Promise<Target[]> {
  return remembered(discovered, snapshot.sha, () => discover(snapshot, declarations));
}

// Discovery by commit: a server reviews the same base for push after push.
const MAX_REMEMBERED = 16;
const discovered = new Map<string, Promise<Target[]>>();
const declaring = new Map<string, Promise<Declared[]>>();

/** The promise remembered for a commit, made by `make` when there is none; a failure is not remembered. */
function remembered<T>(cache: Map<string, Promise<T>>, sha: string, make: () => Promise<T>): Promise<T> {
  let found = cache.get(sha);
  if (!found) {
    found = make();
    found.catch(() => cache.delete(sha));
    if (cache.size >= MAX_REMEMBERED) cache.delete(cache.keys().next().value as string);
    cache.set(sha, found);
  }
  return found;
}

async function discover(snapshot: Snapshot, declarations?: Promise<Target[]>): Promise<Target[]> {
  const [declared, roots, charts] = await Promise.all([declarations ?? declaredTargets(snapshot), kustomizeRoots(snapshot), helmCharts(snapshot)]);
  const claimed = new Set(declared.map((t) => `${t.renderer}:${t.path}`));
  // Flux generates a kustomization over a path without one: the kustomizations below it are its resources.
  const generated = declared.filter((t) => t.flux && kustomizationFile(snapshot, repoDir(t.path)) === null).map((t) => repoDir(t.path));
  const inGenerated = (t: Target) => generated.some((dir) => dir === '' || t.path === dir || t.path.startsWith(`${dir}/`));
  const found = [...roots, ...charts].filter((t) => !claimed.has(`${t.renderer}:${t.path}`) && !(t.renderer === 'kustomize' && inGenerated(t)));
  // Keyed by identity, never by name: a declaration named like another target is a target of its own.
  // The same declaration twice in one file: the later one is what applying the file leaves.
  const byIdentity = new Map<string, Target>();
  for (const target of [...declared, ...found]) byIdentity.set(targetIdentity(target), target);
  return [...byIdentity.values()];
}

const DISCOVERY_FILES = /(^|\/)(kustomization\.ya?ml|Kustomization|Chart\.yaml|requirements\.yaml)$/;

/**
 * The targets of the head revision, taken from the base's when no changed file
 * can change discovery (no kustomization, chart or Application/Flux file
 * changed on either side): most changes touch only manifests and values.
 */
export async function discoverHead(base: Snapshot, baseTargets: Target[], head: Snapshot, changed: string[]): Promise<Target[]> {
  const declarationFiles = new Set(baseTargets.flatMap((t) => (t.declaredBy ? [t.declaredBy.file] : [])));
  const manifests = changed.filter((file) => MANIFEST_EXTENSIONS.test(file));
  const texts = await Promise.all(
    manifests.flatMap((file) => [base, head].filter((s) => s.files.has(file)).map((s) => s.readText(file, MAX_DECLARATION_BYTES).catch(() => ''))),
  );
  const declarationsChanged =
    changed.some((file) => declarationFiles.has(file)) || texts.some((text) => DECLARATION_GROUPS.some((group) => text.includes(group)));
  if (declarationsChanged) return discoverTargets(head);
  if (changed.some((file) => DISCOVERY_FILES.test(file))) {
    // Kustomizations or charts changed, Applications did not: their targets are the base's.
    return discoverTargets(head, Promise.resolve(baseTargets.filter((t) => t.declaredBy)));
  }
  return baseTargets;
}
