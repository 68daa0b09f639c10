// Target discovery (DESIGN §7) on one revision: kustomization roots, Helm charts,
// Argo CD Applications and Flux Kustomizations. Which of them render from this
// repository is decided by targets/scope; plain directories are added per change by targets/plan.
import { OBJECT_BYTES } from '../util/cache.js';
import { MANIFEST_EXTENSIONS } from '../core/manifests.js';
import { isObject, type JsonObject } from '../core/resource.js';
import { renderTarget } from '../render/index.js';
import { DEFAULT_LIMITS, type Limits } from '../render/sandbox.js';
import { parentDir, type Snapshot } from '../repo/snapshot.js';
import { readYaml, readYamlFile } from '../util/yaml-read.js';
import { applicationExternal, applicationTargets, isApplication } from './argocd.js';
import { isApplicationSet } from './appset/applicationset.js';
import type { ClusterEntry } from './appset/generators.js';
import { detectRenderer } from './detect.js';
import { isArtifactGenerator } from './flux-artifacts.js';
import { fluxTarget, helmReleaseTarget, type HelmReleaseResult, isFluxKustomization, isFluxSource, isHelmRelease, sourceKey, type FluxSources } from './flux.js';
import { locateValuesReferences } from './flux-values.js';
import { applicationSetTargets, childTargets, writtenObjects, type Generated, type GeneratedOptions } from './generated.js';
import { directIncludes, KUSTOMIZATION_FILES, kustomizationFile } from '../render/kustomize-inputs.js';
import { at, declaration, str } from './object-fields.js';
import { isGenerated, repoDir, targetIdentity, valuesReferencesOf, type NotRendered, type Target } from '../core/target.js';

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

/** Files that name a declaring API group: what git finds without the process reading every manifest. */
function declaringFiles(snapshot: Snapshot): Promise<string[]> {
  return grepped(snapshot).remember(snapshot.sha, async () => (await snapshot.grep(DECLARATION_GROUPS)).filter((f) => MANIFEST_EXTENSIONS.test(f)).sort());
}

/** A file under a Helm chart's templates/: a template, whatever it parses as; the chart's render declares. */
function isChartTemplate(snapshot: Snapshot, file: string): boolean {
  const match = /^(?:(.*)\/)?templates\//.exec(file);
  return match !== null && snapshot.files.has(match[1] ? `${match[1]}/Chart.yaml` : 'Chart.yaml');
}

/** The objects of a revision that may declare targets or name their sources, with their files. */
function declaringObjects(snapshot: Snapshot): Promise<Declared[]> {
  return declaring(snapshot).remember(snapshot.sha, async () => {
    const candidates = (await declaringFiles(snapshot)).filter((f) => !isChartTemplate(snapshot, f));
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

interface Released {
  object: JsonObject;
  file: string;
  release: HelmReleaseResult | null;
}

/**
 * Every HelmRelease of a revision with what it renders from, worked out once per
 * commit: finding a vendored chart reads every Chart.yaml of the repository.
 */
function helmReleases(snapshot: Snapshot): Promise<Released[]> {
  return releases(snapshot).remember(snapshot.sha, async () => {
    const declared = await declaringObjects(snapshot);
    const sources = fluxSources(declared);
    return Promise.all(
      declared
        .filter(({ object }) => isHelmRelease(object))
        .map(async ({ object, file }) => ({ object, file, release: await helmReleaseTarget(snapshot, object, file, sources) })),
    );
  });
}

async function declaredTargets(snapshot: Snapshot): Promise<Target[]> {
  const [declared, released] = await Promise.all([declaringObjects(snapshot), helmReleases(snapshot)]);
  const sources = fluxSources(declared);
  const all = [
    ...declared.flatMap(({ object, file }) => {
      if (isApplication(object)) return applicationTargets(snapshot, object, file);
      if (isFluxKustomization(object)) return fluxTarget(snapshot, object, file, sources);
      return [];
    }),
    ...released.flatMap(({ release }) => (release && 'target' in release ? [release.target] : [])),
  ];
  await locateValuesReferences(snapshot, all);
  return all;
}

/** Declarations whose objects come from outside any repository: charts of a Helm repository (Argo CD sources, HelmReleases). */
async function externalDeclarations(snapshot: Snapshot): Promise<NotRendered[]> {
  const [declared, released] = await Promise.all([declaringObjects(snapshot), helmReleases(snapshot)]);
  return [
    ...declared.flatMap(({ object, file }) => (isApplication(object) ? applicationExternal(object, file) : [])),
    ...released.flatMap(({ object, file, release }) => {
      const name = str(at(object, 'metadata', 'name'))!;
      return release && 'external' in release ? [{ name, declaredBy: declaration(object, name, file), reason: release.external }] : [];
    }),
  ];
}

/**
 * Declarations of a revision not rendered from it: charts of a Helm repository,
 * ApplicationSets that cannot be evaluated, app-of-apps cycles.
 */
export async function discoverNotRendered(snapshot: Snapshot, options: DiscoveryOptions = {}): Promise<NotRendered[]> {
  return [...(await externalDeclarations(snapshot)), ...(await discovery(snapshot, options)).notRendered];
}

/** What discovery needs from the review: the config's clusters, this repository's URLs, render limits. */
export interface DiscoveryOptions {
  clusters?: Record<string, ClusterEntry>;
  known?: Set<string>;
  limits?: Limits;
}

interface Discovery {
  targets: Target[];
  notRendered: NotRendered[];
}

/**
 * Every target of a revision except plain directories. A directory that an
 * Application or Flux Kustomization deploys is that declaration's target rather
 * than a target of its own.
 */
export async function discoverTargets(snapshot: Snapshot, options: DiscoveryOptions = {}, declarations?: Promise<Target[]>): Promise<Target[]> {
  return (await discovery(snapshot, options, declarations)).targets;
}

function discovery(snapshot: Snapshot, options: DiscoveryOptions, declarations?: Promise<Target[]>): Promise<Discovery> {
  const key = JSON.stringify([snapshot.sha, options.clusters ?? null, [...(options.known ?? [])].sort(), options.limits ?? DEFAULT_LIMITS, declarations ? 'given' : '']);
  return discovered(snapshot).remember(key, () => discover(snapshot, options, declarations));
}

// Discovery by commit: a server reviews the same base for push after push.
// Sizes are estimates: a target, or a declaring object (util/cache's OBJECT_BYTES).
const TARGET_BYTES = 1024;
const discovered = (s: Snapshot) => s.caches.region<Discovery>('discovery', (d) => (d.targets.length + d.notRendered.length) * TARGET_BYTES);
const declaring = (s: Snapshot) => s.caches.region<Declared[]>('declaring objects', (objects) => objects.length * OBJECT_BYTES);
const releases = (s: Snapshot) => s.caches.region<Released[]>('helm releases', (objects) => objects.length * OBJECT_BYTES);
const grepped = (s: Snapshot) => s.caches.region<string[]>('declaring files', (files) => files.reduce((sum, f) => sum + f.length * 2, 0));

const place = (t: Target): string => `${t.renderer}:${t.path}`;
const declaredObject = (t: Target): string => `${t.declaredBy?.kind}|${t.declaredBy?.namespace ?? ''}|${t.name}|${t.declaredBy?.file}`;

async function discover(snapshot: Snapshot, options: DiscoveryOptions, declarations?: Promise<Target[]>): Promise<Discovery> {
  const [direct, roots, charts, objects, files] = await Promise.all([
    declarations ?? declaredTargets(snapshot),
    kustomizeRoots(snapshot),
    helmCharts(snapshot),
    declaringObjects(snapshot),
    declaringFiles(snapshot),
  ]);
  const limits = options.limits ?? DEFAULT_LIMITS;
  const generatedOptions: GeneratedOptions = {
    clusters: options.clusters ?? {},
    known: options.known ?? new Set(),
    limits,
    render: async (target) => (await renderTarget(snapshot, target, limits)).resources,
  };
  const appsets = withinTotal(
    await Promise.all(objects.filter(({ object }) => isApplicationSet(object)).map(({ object, file }) => applicationSetTargets(snapshot, object, file, generatedOptions))),
  );
  const declared = [...direct, ...appsets.flatMap((a) => a.targets)];
  const unclaimed = (claims: Target[], targets: Target[]) => {
    const claimed = new Set(claims.map(place));
    return targets.filter((t) => !claimed.has(place(t)));
  };
  // Flux generates a kustomization over a path without one: the kustomizations below it are its resources.
  const generated = declared.filter((t) => t.flux && kustomizationFile(snapshot, repoDir(t.path)) === null).map((t) => repoDir(t.path));
  const inGenerated = (t: Target) => generated.some((dir) => dir === '' || t.path === dir || t.path.startsWith(`${dir}/`));
  const found = unclaimed(declared, [...roots, ...charts]).filter((t) => !(t.renderer === 'kustomize' && inGenerated(t)));
  const children = await childTargets(snapshot, [...declared, ...found], new Set(files), writtenObjects(objects.map((o) => o.object)), fluxSources(objects), generatedOptions);
  // An object a parent renders differently from its file (a kustomize patch) is applied as rendered.
  const rendered = new Set(children.targets.map(declaredObject));
  // Keyed by identity, never by name: a declaration named like another target is a target of its own.
  // The same declaration twice in one file: the later one is what applying the file leaves.
  const byIdentity = new Map<string, Target>();
  for (const target of [...declared.filter((t) => !rendered.has(declaredObject(t))), ...children.targets, ...unclaimed(children.targets, found)]) {
    byIdentity.set(targetIdentity(target), target);
  }
  return { targets: [...byIdentity.values()], notRendered: [...appsets.flatMap((a) => a.notRendered), ...children.notRendered] };
}

/** How many Applications all ApplicationSets of a revision may generate together: each is bounded, their number is not. */
export const MAX_GENERATED_TARGETS = 5000;

/** ApplicationSets expanded in order until the total is reached; the others are failed declarations. */
export function withinTotal(appsets: Generated[]): Generated[] {
  let total = 0;
  return appsets.map((appset) => {
    total += appset.targets.length;
    if (total <= MAX_GENERATED_TARGETS || appset.targets.length === 0) return appset;
    const declaredBy = appset.targets[0]!.declaredBy!;
    const reason = `not generated: the repository's ApplicationSets generate over ${MAX_GENERATED_TARGETS} Applications together`;
    return { targets: [], notRendered: [...appset.notRendered, { name: declaredBy.name, declaredBy, reason, failed: true }] };
  });
}

/** Targets of a revision that come from evaluating something: ApplicationSets, templated declarations, app of apps. */
async function generates(snapshot: Snapshot, targets: Target[]): Promise<boolean> {
  if (targets.some(isGenerated)) return true;
  const objects = await declaringObjects(snapshot);
  if (objects.some(({ object }) => isApplicationSet(object))) return true;
  const parsed = new Set(objects.map((o) => o.file));
  return (await declaringFiles(snapshot)).some((file) => !parsed.has(file) || targets.some((t) => t.renderer !== 'plain' && t.path !== '.' && file.startsWith(`${t.path}/`)));
}

const DISCOVERY_FILES = /(^|\/)(kustomization\.ya?ml|Kustomization|Chart\.yaml|requirements\.yaml)$/;

/**
 * The targets of the head revision, taken from the base's when no changed file
 * can change discovery (no kustomization, chart or Application/Flux file
 * changed on either side): most changes touch only manifests and values.
 */
export async function discoverHead(base: Snapshot, baseTargets: Target[], head: Snapshot, changed: string[], options: DiscoveryOptions = {}): Promise<Target[]> {
  // What is generated may change with any file (a new directory, a chart's values): all of it is evaluated again.
  if (await generates(base, baseTargets)) return discoverTargets(head, options);
  const declarationFiles = new Set(baseTargets.flatMap((t) => (t.declaredBy ? [t.declaredBy.file] : [])));
  const manifests = changed.filter((file) => MANIFEST_EXTENSIONS.test(file));
  const texts = await Promise.all(
    manifests.flatMap((file) => [base, head].filter((s) => s.files.has(file)).map((s) => s.readText(file, MAX_DECLARATION_BYTES).catch(() => ''))),
  );
  const declarationsChanged =
    changed.some((file) => declarationFiles.has(file)) || texts.some((text) => DECLARATION_GROUPS.some((group) => text.includes(group)));
  if (declarationsChanged) return discoverTargets(head, options);
  if (changed.some((file) => DISCOVERY_FILES.test(file))) {
    // Kustomizations or charts changed, Applications did not: their targets are the base's.
    return discoverTargets(head, options, relocated(head, baseTargets.filter((t) => t.declaredBy)));
  }
  return relocated(head, baseTargets);
}

/**
 * Base targets for the head, their ConfigMap and Secret references looked up again
 * in the head: a values source may be new, moved or gone without any declaration changing.
 */
async function relocated(head: Snapshot, targets: Target[]): Promise<Target[]> {
  const copies = targets.map((t) => (valuesReferencesOf(t).length ? structuredClone(t) : t));
  const referring = copies.filter((t, i) => t !== targets[i]);
  for (const ref of referring.flatMap(valuesReferencesOf)) delete ref.file;
  await locateValuesReferences(head, referring);
  return copies;
}
