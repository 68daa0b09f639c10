// What a kustomization reads: a walk over kustomization files (resources, bases,
// components, patches, generator files, replacements, …) that also refuses, before
// any tool runs, what must never run: remote bases, paths leaving the repository,
// Helm inflation and exec or containerized plugins.
import { isObject, type JsonObject, type JsonValue } from '../core/resource.js';
import { RenderError } from '../errors.js';
import { resolveInRepo, type Snapshot } from '../repo/snapshot.js';
import { isRemoteBase, isRemoteFile } from './kustomize-remote.js';
import { readYaml } from '../util/yaml-read.js';

export const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

export interface KustomizeInputs {
  /** Kustomization directories visited, the target's own first. */
  dirs: string[];
  /** Files read (kustomization files and everything they reference). */
  files: Set<string>;
  /** Of those, the files read as something other than resources: kustomization files, patches, generator inputs, configurations, plugin configs. */
  data: Set<string>;
  /** Directories a kustomization includes as resources, bases or components. */
  includes: Set<string>;
  /** What the secretGenerators read: their literal sources ("KEY=value"), and their env files and content files (repository paths). */
  secretLiterals: string[];
  secretEnvFiles: string[];
  secretFiles: string[];
}

// Documents that need their own files only to exist somewhere else.
const DOC_FILE = /\.(md|markdown|adoc|rst)$|(^|\/)(OWNERS|LICENSE[^/]*|\.gitignore)$/;
const BUILTIN_PLUGINS = new Set([
  'AnnotationsTransformer',
  'ConfigMapGenerator',
  'HashTransformer',
  'ImageTagTransformer',
  'LabelTransformer',
  'NamespaceTransformer',
  'PatchJson6902Transformer',
  'PatchStrategicMergeTransformer',
  'PatchTransformer',
  'PrefixSuffixTransformer',
  'PrefixTransformer',
  'SuffixTransformer',
  'ReplicaCountTransformer',
  'SecretGenerator',
  'ValueAddTransformer',
  'ReplacementTransformer',
  'SortOrderTransformer',
  'IAMPolicyGenerator',
]);

type Parsed = { value: unknown } | { error: RenderError };
// A parsed kustomization's size, as an estimate: its JSON text.
const parsedFiles = (snapshot: Snapshot) =>
  snapshot.caches.region<Parsed>('kustomizations', (parsed) => ('value' in parsed ? (JSON.stringify(parsed.value)?.length ?? 0) * 2 : 256));

/**
 * A kustomization file parsed once per content (by blob id and path): every
 * overlay walks its bases, discovery reads them all, and base and head share
 * nearly all of them. Invalid YAML reads as null (kustomize reports it); a file
 * that cannot be read (an escaping symlink) is an error.
 */
export async function readKustomization(snapshot: Snapshot, file: string): Promise<unknown> {
  const key = `${snapshot.files.get(file)?.oid ?? snapshot.sha}:${file}`;
  const parsed = parsedFiles(snapshot).remember(key, () =>
    snapshot.readText(file).then(
      async (text): Promise<Parsed> => {
        // Read as kustomize reads it (YAML 1.1, merge keys). What cannot be read here is not built: the
        // refusals below must judge exactly what kustomize would act on, and a parser difference would hide it.
        const [doc] = await readYaml(text, file, { single: true, kubernetes: true });
        if (doc?.error) return { error: new RenderError(`invalid YAML: ${doc.error.message}`, file, doc.error.line) };
        const value = doc?.value ?? null;
        if (value !== null && !isObject(value)) return { error: new RenderError('not a kustomization: the file holds no map', file) };
        return { value };
      },
      (error: unknown): Parsed => {
        if (error instanceof RenderError) return { error };
        throw error;
      },
    ),
  );
  const result = await parsed;
  if ('error' in result) throw result.error;
  return result.value;
}

export function kustomizationFile(snapshot: Snapshot, dir: string): string | null {
  for (const name of KUSTOMIZATION_FILES) {
    const path = dir ? `${dir}/${name}` : name;
    if (snapshot.files.has(path)) return path;
  }
  return null;
}

function strings(value: JsonValue | undefined): string[] {
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function paths(list: JsonValue | undefined, key = 'path'): string[] {
  return Array.isArray(list) ? list.flatMap((item) => (isObject(item) ? strings(item[key]) : [])) : [];
}

/** Inline YAML (a patch or plugin config written in place) rather than a path. */
function isInline(ref: string): boolean {
  return ref.includes('\n') || /^\s*\w+\s*:\s/.test(ref);
}

/** The sources of a configMapGenerator or secretGenerator list: content files ("key=path" or "path"), env files, literals. */
function generatorSources(generators: JsonValue | undefined): { files: string[]; envs: string[]; literals: string[] } {
  const list = Array.isArray(generators) ? generators.filter(isObject) : [];
  return {
    files: list.flatMap((g) => strings(g.files).map((f) => (f.includes('=') ? f.slice(f.indexOf('=') + 1) : f))),
    envs: list.flatMap((g) => [...strings(g.envs), ...strings(g.env)]),
    literals: list.flatMap((g) => strings(g.literals)),
  };
}

/** Refuses a plugin configuration that is not one of kustomize's builtins. */
async function checkPluginConfig(snapshot: Snapshot, file: string): Promise<void> {
  const docs = await readYaml(await snapshot.readText(file), file);
  // What cannot be read cannot be checked.
  const invalid = docs.find((d) => d.error);
  if (invalid) throw new RenderError(`invalid YAML in a plugin configuration (${invalid.error!.message}); refused`, file, invalid.error!.line);
  for (const { value: doc } of docs) {
    if (!isObject(doc)) continue;
    const annotations = isObject(doc.metadata) && isObject(doc.metadata.annotations) ? doc.metadata.annotations : {};
    if (Object.keys(annotations).some((k) => k.endsWith('/function'))) {
      throw new RenderError('KRM function plugins (exec or container) are not allowed; refused', file);
    }
    if (doc.apiVersion !== 'builtin' || typeof doc.kind !== 'string' || !BUILTIN_PLUGINS.has(doc.kind)) {
      throw new RenderError(`plugin ${String(doc.apiVersion)}/${String(doc.kind)} is not a kustomize builtin; exec and Go plugins are not allowed`, file);
    }
  }
}

/** The directories a kustomization names as resources, bases or components (no checks, no recursion): for discovery. */
export async function directIncludes(snapshot: Snapshot, dir: string): Promise<{ includes: string[]; component: boolean }> {
  const kfile = kustomizationFile(snapshot, dir);
  let k: unknown;
  try {
    k = kfile ? await readKustomization(snapshot, kfile) : null;
  } catch {
    return { includes: [], component: false };
  }
  if (!isObject(k)) return { includes: [], component: false };
  const refs = [...strings(k.resources), ...strings(k.bases), ...strings(k.components)];
  const includes = refs.flatMap((ref) => {
    const path = resolveInRepo(dir, ref);
    return path !== null && !snapshot.files.has(path) ? [path] : [];
  });
  return { includes, component: k.kind === 'Component' };
}

/**
 * Walks the kustomization in `dir` and everything it includes. Throws a
 * RenderError naming the kustomization file for anything refused.
 */
export async function kustomizeInputs(snapshot: Snapshot, dir: string): Promise<KustomizeInputs> {
  const inputs: KustomizeInputs = { dirs: [], files: new Set(), data: new Set(), includes: new Set(), secretLiterals: [], secretEnvFiles: [], secretFiles: [] };
  const visit = async (current: string): Promise<void> => {
    if (inputs.dirs.includes(current)) return;
    inputs.dirs.push(current);
    for (const file of snapshot.filesIn(current)) {
      // A linked directory is read only when a kustomization names it, which `local` refuses.
      if (DOC_FILE.test(file) || (snapshot.isSymlink(file) && (await snapshot.resolve(file).catch(() => null))?.kind === 'dir')) continue;
      inputs.files.add(file);
    }
    const kfile = kustomizationFile(snapshot, current);
    if (!kfile) return;
    inputs.data.add(kfile);
    const k = await readKustomization(snapshot, kfile);
    if (!isObject(k)) return; // empty: nothing to build
    await visitKustomization(current, kfile, k);
  };

  /**
   * The repository path of a reference; `remote` says whether kustomize would fetch it instead (refused,
   * even when a local path of that name exists). kustomize loads what a link reaches from its real
   * location (relative paths and the load restrictor then follow that), while the render copy holds it
   * in the link's place: a directory reached through a link is refused rather than mispredicted.
   */
  const local = async (from: string, ref: string, kfile: string, remote: (ref: string) => boolean): Promise<string> => {
    if (remote(ref)) throw new RenderError(`remote resource "${ref}" refused: safe-deploy renders offline; vendor it into the repository`, kfile);
    const path = resolveInRepo(from, ref);
    if (path === null) throw new RenderError(`"${ref}" points outside the repository; refused`, kfile);
    if ((snapshot.files.has(path) && !snapshot.isSymlink(path)) || snapshot.hasDir(path)) return path;
    const reached = await snapshot.resolve(path);
    if (reached.kind === 'dir' && snapshot.isSymlink(path)) throw new RenderError(`"${ref}" is a symlink to the directory ${reached.path || '.'}; name that directory instead`, kfile);
    if (!snapshot.files.has(path) && reached.links.length > 0) throw new RenderError(`"${ref}" goes through the symlink ${reached.links[0]}; name the real path ${reached.path || '.'} instead`, kfile);
    return path;
  };

  const visitKustomization = async (current: string, kfile: string, k: JsonObject): Promise<void> => {
    for (const field of ['helmCharts', 'helmChartInflationGenerator', 'helmGlobals']) {
      if (field in k) {
        throw new RenderError(`${field} needs kustomize --enable-helm, which downloads charts; refused. Make the chart a Helm target instead`, kfile);
      }
    }
    const included = [...strings(k.resources), ...strings(k.bases), ...strings(k.components)];
    for (const ref of included) {
      const path = await local(current, ref, kfile, isRemoteBase);
      if (snapshot.files.has(path)) {
        inputs.files.add(path);
      } else {
        inputs.includes.add(path);
        await visit(path);
      }
    }
    const configMaps = generatorSources(k.configMapGenerator);
    const secrets = generatorSources(k.secretGenerator);
    const fileRefs = [
      ...strings(k.patchesStrategicMerge).filter((p) => !isInline(p)),
      ...paths(k.patches),
      ...paths(k.patchesJson6902),
      ...paths(k.replacements),
      ...configMaps.files,
      ...configMaps.envs,
      ...strings(k.crds),
      ...strings(k.configurations),
      ...(isObject(k.openapi) ? strings(k.openapi.path) : []),
    ];
    const readAsData = async (ref: string) => {
      const path = await local(current, ref, kfile, isRemoteFile);
      inputs.files.add(path);
      inputs.data.add(path);
      return path;
    };
    for (const ref of fileRefs) await readAsData(ref);
    for (const ref of secrets.files) inputs.secretFiles.push(await readAsData(ref));
    for (const ref of secrets.envs) inputs.secretEnvFiles.push(await readAsData(ref));
    inputs.secretLiterals.push(...secrets.literals);
    for (const ref of [...strings(k.generators), ...strings(k.transformers), ...strings(k.validators)]) {
      if (isInline(ref)) {
        if (/\/function\s*:|apiVersion\s*:(?!\s*builtin\b)/.test(ref)) {
          throw new RenderError('inline plugin that is not a kustomize builtin; refused', kfile);
        }
        continue;
      }
      const path = await local(current, ref, kfile, isRemoteBase);
      if (snapshot.files.has(path)) {
        inputs.files.add(path);
        inputs.data.add(path);
        await checkPluginConfig(snapshot, path);
      } else {
        await visit(path);
      }
    }
  };

  await visit(dir);
  return inputs;
}
