// Target discovery (DESIGN §7) on one revision: kustomization roots, Helm charts,
// Argo CD Applications and Flux Kustomizations whose source is in the repository.
// Plain directories are added per change by targets/plan.
import { isObject, type JsonObject, type JsonValue } from '../core/resource.js';
import { parentDir, resolveInRepo, type Snapshot } from '../repo/snapshot.js';
import { directIncludes, KUSTOMIZATION_FILES } from './kustomize-inputs.js';
import type { TargetDeclaration } from '../core/model.js';
import { MANIFEST_EXTENSIONS, targetIdentity, type HelmOptions, type Target } from './target.js';
import { readYaml, readYamlFile } from '../util/yaml-read.js';

const DECLARATION_GROUPS = ['argoproj.io', 'kustomize.toolkit.fluxcd.io'];
const MAX_DECLARATION_BYTES = 1024 * 1024;

export type Detected = Target['renderer'];

/** The renderer a directory calls for: a chart, a kustomization, or plain manifests. */
export function detectRenderer(snapshot: Snapshot, dir: string): Detected {
  const prefix = dir ? `${dir}/` : '';
  if (snapshot.files.has(`${prefix}Chart.yaml`)) return 'helm';
  if (KUSTOMIZATION_FILES.some((f) => snapshot.files.has(prefix + f))) return 'kustomize';
  return 'plain';
}

function str(value: JsonValue | undefined): string | undefined {
  return typeof value === 'string' && value ? value : undefined;
}

function at(object: JsonValue | undefined, ...path: string[]): JsonValue | undefined {
  let node = object;
  for (const step of path) node = isObject(node) ? node[step] : undefined;
  return node;
}

/** "./apps/web/" → "apps/web"; null when it leaves the repository. */
function cleanPath(path: string): string | null {
  return resolveInRepo('', path);
}

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

function helmOptions(source: JsonObject, chartDir: string, refs: Map<string, string>): HelmOptions {
  const helm = isObject(source.helm) ? source.helm : {};
  const valueFiles = (Array.isArray(helm.valueFiles) ? helm.valueFiles : []).flatMap((v) => {
    if (typeof v !== 'string') return [];
    // "$values/envs/prod.yaml": a file of the source whose ref is "values", taken as this repository.
    const ref = /^\$([^/]+)\/(.*)$/.exec(v);
    if (ref && refs.has(ref[1]!)) {
      const full = resolveInRepo(refs.get(ref[1]!)!, ref[2]!);
      return full === null ? [v] : [relativeTo(chartDir, full)];
    }
    return [v];
  });
  const values = isObject(helm.valuesObject) ? helm.valuesObject : str(helm.values);
  const parameters = (Array.isArray(helm.parameters) ? helm.parameters : []).flatMap((p) =>
    isObject(p) && typeof p.name === 'string'
      ? [{ name: p.name, value: String(p.value ?? ''), ...(p.forceString === true ? { forceString: true } : {}) }]
      : [],
  );
  return {
    ...(str(helm.releaseName) ? { releaseName: str(helm.releaseName)! } : {}),
    ...(valueFiles.length ? { valueFiles } : {}),
    ...(values !== undefined ? { values } : {}),
    ...(parameters.length ? { parameters } : {}),
  };
}

function relativeTo(from: string, to: string): string {
  const fromParts = from ? from.split('/') : [];
  const toParts = to.split('/');
  let common = 0;
  while (common < fromParts.length && fromParts[common] === toParts[common]) common++;
  return [...Array(fromParts.length - common).fill('..'), ...toParts.slice(common)].join('/');
}

function declaration(object: JsonObject, name: string, file: string): TargetDeclaration {
  return { kind: object.kind as string, namespace: str(at(object, 'metadata', 'namespace')) ?? null, name, file };
}

/** Targets of one Argo CD Application: one per source with a path in this repository. */
function applicationTargets(snapshot: Snapshot, app: JsonObject, file: string): Target[] {
  const name = str(at(app, 'metadata', 'name'));
  if (!name) return [];
  const declaredBy = declaration(app, name, file);
  const namespace = str(at(app, 'spec', 'destination', 'namespace')) ?? 'default';
  const single = at(app, 'spec', 'source');
  const sources = (Array.isArray(at(app, 'spec', 'sources')) ? (at(app, 'spec', 'sources') as JsonValue[]) : [single]).filter(isObject);
  const refs = new Map<string, string>();
  for (const source of sources) if (str(source.ref)) refs.set(source.ref as string, cleanPath(str(source.path) ?? '') ?? '');
  const withPath = sources.flatMap((source) => {
    const raw = str(source.path);
    const path = raw === undefined ? null : cleanPath(raw);
    return path !== null && (path === '' ? snapshot.files.size > 0 : snapshot.hasDir(path)) ? [{ source, path }] : [];
  });
  return withPath.map(({ source, path }, i) => {
    const renderer = detectRenderer(snapshot, path);
    const kustomize = isObject(source.kustomize) ? source.kustomize : {};
    const images = Array.isArray(kustomize.images) ? kustomize.images.filter((x): x is string => typeof x === 'string') : [];
    const target: Target = {
      name: withPath.length > 1 ? `${name}[${i}]` : name,
      path: path || '.',
      renderer,
      namespace,
      declaredBy,
    };
    if (renderer === 'helm') target.helm = helmOptions(source, path, refs);
    if (renderer === 'kustomize' && (str(kustomize.namePrefix) || str(kustomize.nameSuffix) || images.length)) {
      target.kustomize = {
        ...(str(kustomize.namePrefix) ? { namePrefix: str(kustomize.namePrefix)! } : {}),
        ...(str(kustomize.nameSuffix) ? { nameSuffix: str(kustomize.nameSuffix)! } : {}),
        ...(images.length ? { images } : {}),
      };
    }
    if (renderer === 'plain' && at(source, 'directory', 'recurse') === true) target.recurse = true;
    return target;
  });
}

/** The target of a Flux Kustomization: its path, as a kustomization or (Flux generates one) all manifests below it. */
function fluxTarget(snapshot: Snapshot, ks: JsonObject, file: string): Target[] {
  const name = str(at(ks, 'metadata', 'name'));
  const path = cleanPath(str(at(ks, 'spec', 'path')) ?? '.');
  if (!name || path === null || (path !== '' && !snapshot.hasDir(path))) return [];
  const renderer = detectRenderer(snapshot, path) === 'kustomize' ? 'kustomize' : 'plain';
  return [
    {
      name,
      path: path || '.',
      renderer,
      namespace: str(at(ks, 'spec', 'targetNamespace')) ?? 'default',
      declaredBy: declaration(ks, name, file),
      ...(renderer === 'plain' ? { recurse: true } : {}),
    },
  ];
}

async function declaredTargets(snapshot: Snapshot): Promise<Target[]> {
  // git finds the few files that can declare anything, without the process reading every manifest.
  const candidates = (await snapshot.grep(DECLARATION_GROUPS)).filter((f) => MANIFEST_EXTENSIONS.test(f)).sort();
  // A file that cannot be read or parsed declares nothing; its own target reports the error.
  const documents = await Promise.all(
    candidates.map(async (file) => {
      try {
        return await readYaml(await snapshot.readText(file, MAX_DECLARATION_BYTES), file);
      } catch {
        return [];
      }
    }),
  );
  const targets: Target[] = [];
  for (const [i, file] of candidates.entries()) {
    for (const { value: object } of documents[i]!) {
      if (!isObject(object) || typeof object.apiVersion !== 'string') continue;
      if (object.apiVersion.startsWith('argoproj.io/') && object.kind === 'Application') targets.push(...applicationTargets(snapshot, object, file));
      if (object.apiVersion.startsWith('kustomize.toolkit.fluxcd.io/') && object.kind === 'Kustomization') targets.push(...fluxTarget(snapshot, object, file));
    }
  }
  return targets;
}

/**
 * Every target of a revision except plain directories. A directory that an
 * Application or Flux Kustomization deploys is that declaration's target rather
 * than a target of its own.
 */
export function discoverTargets(snapshot: Snapshot, declarations?: Promise<Target[]>): Promise<Target[]> {
  let found = discovered.get(snapshot.sha);
  if (!found) {
    found = discover(snapshot, declarations);
    // A failed discovery is not remembered.
    found.catch(() => discovered.delete(snapshot.sha));
    if (discovered.size >= MAX_DISCOVERED) discovered.delete(discovered.keys().next().value as string);
    discovered.set(snapshot.sha, found);
  }
  return found;
}

// Discovery by commit: a server reviews the same base for push after push.
const MAX_DISCOVERED = 16;
const discovered = new Map<string, Promise<Target[]>>();

async function discover(snapshot: Snapshot, declarations?: Promise<Target[]>): Promise<Target[]> {
  const [declared, roots, charts] = await Promise.all([declarations ?? declaredTargets(snapshot), kustomizeRoots(snapshot), helmCharts(snapshot)]);
  const claimed = new Set(declared.map((t) => `${t.renderer}:${t.path}`));
  const found = [...roots, ...charts].filter((t) => !claimed.has(`${t.renderer}:${t.path}`));
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
