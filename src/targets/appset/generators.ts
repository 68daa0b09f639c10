// ApplicationSet generators evaluated from the repository, as the controller's
// applicationset/generators do: list, git directories and files, matrix, merge,
// clusters (from the config's `clusters:`). Parameter sets are nested objects with
// goTemplate, flat string maps without. Generators that need a service (SCM
// providers, pull requests, plugins, cluster decisions) are not evaluable offline.
import picomatch from 'picomatch';
import { parse } from 'yaml';
import { isObject, type JsonObject, type JsonValue } from '../../core/resource.js';
import { selects } from '../../core/pod.js';
import { RenderError } from '../../errors.js';
import type { Snapshot } from '../../repo/snapshot.js';
import { at, str } from '../object-fields.js';
import { normalizeName, goFormat, flatten } from './params.js';

export type Params = JsonObject;
/** Executes templates with parameter sets (result[set][template]): fasttemplate or Go templates. */
export type Engine = (templates: string[], sets: Params[]) => Promise<string[][]>;

export interface ClusterEntry {
  server?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface GeneratorContext {
  snapshot: Snapshot;
  goTemplate: boolean;
  engine: Engine;
  clusters: Record<string, ClusterEntry>;
  /** Whether a generator's repoURL names this repository. */
  isThisRepository: (url: string) => boolean;
}

/** A generator that cannot be evaluated from the repository: the ApplicationSet is listed as not rendered. */
export class NotEvaluable extends Error {}

const MAX_PARAM_SETS = 1000;
const MAX_PARAM_FILE_BYTES = 1024 * 1024;
const NOT_EVALUABLE: Record<string, string> = {
  scmProvider: 'SCM-provider generator (lists repositories of an SCM service)',
  pullRequest: 'pull-request generator (lists open pull requests of an SCM service)',
  plugin: 'plugin generator (calls a plugin service)',
  clusterDecisionResource: 'cluster-decision-resource generator (reads a resource of the cluster)',
};

/** The kind of a generator entry: its one key besides selector (and template). */
export function generatorKind(generator: JsonObject): string | undefined {
  return Object.keys(generator).find((k) => k !== 'selector' && k !== 'template' && generator[k] !== null);
}

/** Each parameter set makes an Application, a target to render: their number is bounded. */
export function checkSize(count: number): void {
  if (count > MAX_PARAM_SETS) throw new RenderError(`generators produce ${count} parameter sets, over the limit of ${MAX_PARAM_SETS}`);
}

/** Go's path.Match (git directories), or git's pathspec glob where "*" crosses "/" (git files). */
function matcher(pattern: string, crossSlash: boolean): (path: string) => boolean {
  return picomatch(pattern, { dot: true, noglobstar: !crossSlash, bash: crossSlash, nobrace: true, noextglob: true });
}

function gitDirectories(snapshot: Snapshot): string[] {
  const dirs = new Set<string>();
  for (const file of snapshot.files.keys()) {
    const parts = file.split('/').slice(0, -1);
    // The repo-server skips hidden directories and everything below them.
    const hidden = parts.findIndex((p) => p.startsWith('.'));
    const visible = hidden === -1 ? parts : parts.slice(0, hidden);
    for (let i = 1; i <= visible.length; i++) dirs.add(visible.slice(0, i).join('/'));
  }
  return [...dirs].sort();
}

function pathParams(dir: string, ctx: GeneratorContext, prefix: string, file?: string): Params {
  const base = dir.slice(dir.lastIndexOf('/') + 1);
  const filename = file?.slice(file.lastIndexOf('/') + 1);
  if (ctx.goTemplate) {
    const path: JsonObject = { path: dir, basename: base, basenameNormalized: normalizeName(base), segments: dir.split('/') };
    if (filename !== undefined) Object.assign(path, { filename, filenameNormalized: normalizeName(filename) });
    return prefix ? { [prefix]: { path } } : { path };
  }
  const name = prefix ? `${prefix}.path` : 'path';
  const flat: Params = { [name]: dir, [`${name}.basename`]: base, [`${name}.basenameNormalized`]: normalizeName(base) };
  if (filename !== undefined) Object.assign(flat, { [`${name}.filename`]: filename, [`${name}.filenameNormalized`]: normalizeName(filename) });
  dir.split('/').forEach((segment, i) => {
    if (segment) flat[`${name}[${i}]`] = segment;
  });
  return flat;
}

/** A generator's `values`, templated with its own parameters and added as values.* (or .values). */
async function withValues(sets: Params[], values: JsonValue | undefined, ctx: GeneratorContext): Promise<Params[]> {
  if (!isObject(values) || Object.keys(values).length === 0) return sets;
  const keys = Object.keys(values);
  const rendered = await ctx.engine(keys.map((k) => String(values[k] ?? '')), sets);
  return sets.map((set, i) => {
    const resolved = Object.fromEntries(keys.map((k, j) => [k, rendered[i]![j]!]));
    return ctx.goTemplate ? { ...set, values: resolved } : { ...set, ...Object.fromEntries(keys.map((k) => [`values.${k}`, resolved[k]!])) };
  });
}

function listParams(list: JsonObject, ctx: GeneratorContext): Params[] {
  const elements = Array.isArray(list.elements) ? list.elements : [];
  const sets = elements.map((element): Params => {
    if (!isObject(element)) throw new RenderError('list generator: an element is not an object');
    if (ctx.goTemplate) return element;
    const flat: Params = {};
    for (const [key, value] of Object.entries(element)) {
      if (key === 'values' && isObject(value)) {
        for (const [k, v] of Object.entries(value)) {
          if (typeof v !== 'string') throw new RenderError(`list generator: values.${k} is not a string (goTemplate is false)`);
          flat[`values.${k}`] = v;
        }
      } else if (typeof value === 'string') flat[key] = value;
      else throw new RenderError(`list generator: element key "${key}" is not a string (goTemplate is false)`);
    }
    return flat;
  });
  const yamlElements = str(list.elementsYaml);
  if (yamlElements) {
    const parsed = parse(yamlElements, { maxAliasCount: 100 }) as unknown;
    if (!Array.isArray(parsed) || !parsed.every(isObject)) throw new RenderError('list generator: elementsYaml is not a list of objects');
    sets.push(...(parsed as Params[]));
  }
  return sets;
}

async function gitParams(git: JsonObject, ctx: GeneratorContext): Promise<Params[]> {
  const url = str(git.repoURL) ?? '';
  if (!ctx.isThisRepository(url)) throw new NotEvaluable(`git generator reads another repository (${url || 'no repoURL'})`);
  const prefix = str(git.pathParamPrefix) ?? '';
  const { snapshot } = ctx;
  if (Array.isArray(git.directories)) {
    const rules = git.directories.filter(isObject).map((d) => ({ match: matcher(str(d.path) ?? '', false), exclude: d.exclude === true }));
    const dirs = gitDirectories(snapshot).filter((dir) => rules.some((r) => !r.exclude && r.match(dir)) && !rules.some((r) => r.exclude && r.match(dir)));
    checkSize(dirs.length);
    return withValues(dirs.map((dir) => pathParams(dir, ctx, prefix)), git.values, ctx);
  }
  if (Array.isArray(git.files)) {
    const rules = git.files.filter(isObject).map((f) => ({ match: matcher(str(f.path) ?? '', true), exclude: f.exclude === true }));
    const files = [...snapshot.files.keys()].filter((f) => rules.some((r) => !r.exclude && r.match(f)) && !rules.some((r) => r.exclude && r.match(f))).sort();
    const sets: Params[] = [];
    for (const file of files) {
      const text = await snapshot.readText(file, MAX_PARAM_FILE_BYTES);
      let content: unknown;
      try {
        content = parse(text, { maxAliasCount: 100 });
      } catch (error) {
        throw new RenderError(`git files generator: unable to parse file (${(error as Error).message.split('\n')[0]})`, file);
      }
      const objects = Array.isArray(content) ? content : [content ?? {}];
      if (!objects.every(isObject)) throw new RenderError('git files generator: the file is neither an object nor a list of objects', file);
      const dir = file.includes('/') ? file.slice(0, file.lastIndexOf('/')) : '.';
      for (const object of objects as JsonObject[]) {
        const own = ctx.goTemplate ? { ...object } : Object.fromEntries(Object.entries(flatten(object)).map(([k, v]) => [k, goFormat(v)]));
        sets.push({ ...own, ...pathParams(dir, ctx, prefix, file) });
      }
    }
    checkSize(sets.length);
    return withValues(sets, git.values, ctx);
  }
  throw new RenderError('git generator: neither directories nor files');
}

/** A generator's selector: none selects every parameter set; an unknown operator fails the ApplicationSet, as in Argo CD. */
function selectorMatches(selector: JsonValue | undefined, labels: Record<string, string>): boolean {
  return !isObject(selector) || selects(selector, labels, (operator) => {
    throw new RenderError(`selector: unknown operator ${operator}`);
  });
}

async function clusterParams(clusters: JsonObject, ctx: GeneratorContext): Promise<Params[]> {
  const sets = Object.entries(ctx.clusters)
    .filter(([, c]) => selectorMatches(clusters.selector, c.labels ?? {}))
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, c]): Params => {
      const common = { name, nameNormalized: normalizeName(name), server: c.server ?? '', project: '' };
      if (ctx.goTemplate) {
        const metadata: JsonObject = {};
        if (c.annotations && Object.keys(c.annotations).length) metadata.annotations = c.annotations;
        if (c.labels && Object.keys(c.labels).length) metadata.labels = c.labels;
        return { ...common, metadata };
      }
      const flat: Params = { ...common };
      for (const [k, v] of Object.entries(c.annotations ?? {})) flat[`metadata.annotations.${k}`] = v;
      for (const [k, v] of Object.entries(c.labels ?? {})) flat[`metadata.labels.${k}`] = v;
      return flat;
    });
  return withValues(sets, clusters.values, ctx);
}

/**
 * An object rendered once per parameter set, every string and map key a template
 * of its own (the controller's deeplyReplace): a template, or matrix's second generator.
 */
export async function renderPerSet(object: JsonObject, sets: Params[], engine: Engine): Promise<JsonObject[]> {
  const leaves: string[] = [];
  const collect = (value: JsonValue): void => {
    if (typeof value === 'string') leaves.push(value);
    else if (Array.isArray(value)) value.forEach(collect);
    else if (isObject(value)) for (const [k, v] of Object.entries(value)) (leaves.push(k), collect(v));
  };
  collect(object);
  const rendered = await engine(leaves, sets);
  return rendered.map((row) => {
    let n = 0;
    const rebuild = (value: JsonValue): JsonValue => {
      if (typeof value === 'string') return row[n++]!;
      if (Array.isArray(value)) return value.map(rebuild);
      if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [row[n++]!, rebuild(v)]));
      return value;
    };
    return rebuild(object) as JsonObject;
  });
}

/** mergo.Merge(dst, src, WithOverride): src's values win, maps merged key by key. */
function mergeOverride(dst: Params, src: Params): Params {
  const out: Params = { ...dst };
  for (const [k, v] of Object.entries(src)) {
    const d = out[k];
    out[k] = isObject(d) && isObject(v) ? mergeOverride(d, v) : v;
  }
  return out;
}

async function matrixParams(matrix: JsonObject, ctx: GeneratorContext, depth: number): Promise<Params[]> {
  const children = Array.isArray(matrix.generators) ? matrix.generators.filter(isObject) : [];
  if (children.length !== 2) throw new RenderError(`matrix generator: needs exactly two generators, has ${children.length}`);
  const first = await generatorParams(children[0]!, ctx, depth + 1);
  const out: Params[] = [];
  const templated = JSON.stringify(children[1]).includes('{{');
  const seconds = templated ? await renderPerSet(children[1]!, first, ctx.engine) : first.map(() => children[1]!);
  for (const [i, a] of first.entries()) {
    const second = await generatorParams(seconds[i]!, ctx, depth + 1);
    // The product is checked as it grows: two lists of a thousand would make a million sets.
    checkSize(out.length + second.length);
    for (const b of second) {
      if (ctx.goTemplate) {
        out.push(mergeOverride(mergeOverride({}, b), a));
        continue;
      }
      const combined: Params = { ...a };
      for (const [k, v] of Object.entries(b)) {
        if (k in combined && combined[k] !== v) throw new RenderError(`matrix generator: found duplicate key ${k} with different value, a: ${String(combined[k])}, b: ${String(v)}`);
        combined[k] = v;
      }
      out.push(combined);
    }
  }
  return out;
}

async function mergeParams(merge: JsonObject, ctx: GeneratorContext, depth: number): Promise<Params[]> {
  const children = Array.isArray(merge.generators) ? merge.generators.filter(isObject) : [];
  if (children.length < 2) throw new RenderError('merge generator: needs at least two generators');
  const keys = [...new Set(Array.isArray(merge.mergeKeys) ? merge.mergeKeys.map(String) : [])];
  if (keys.length === 0) throw new RenderError('merge generator: no mergeKeys');
  const byKey = (sets: Params[]): Map<string, Params> => {
    const map = new Map<string, Params>();
    for (const set of sets) {
      const key = JSON.stringify(Object.fromEntries([...keys].sort().map((k) => [k, set[k] ?? null])));
      if (map.has(key)) throw new RenderError(`merge generator: parameter sets are not unique by mergeKeys (duplicate ${key})`);
      map.set(key, set);
    }
    return map;
  };
  const all = await Promise.all(children.map((child) => generatorParams(child, ctx, depth + 1)));
  const base = byKey(all[0]!);
  for (const sets of all.slice(1)) {
    for (const [key, override] of byKey(sets)) {
      const current = base.get(key);
      if (current) base.set(key, ctx.goTemplate ? mergeOverride(current, override) : { ...current, ...override });
    }
  }
  return [...base.values()];
}

/** The parameter sets of one generator entry, its selector applied. */
export async function generatorParams(generator: JsonObject, ctx: GeneratorContext, depth = 0): Promise<Params[]> {
  const kind = generatorKind(generator);
  if (!kind) throw new RenderError('a generator names no known generator');
  if (NOT_EVALUABLE[kind]) throw new NotEvaluable(`${NOT_EVALUABLE[kind]} is not evaluable offline`);
  const spec = at(generator, kind);
  if (!isObject(spec)) throw new RenderError(`${kind} generator: not an object`);
  let sets: Params[];
  switch (kind) {
    case 'list':
      sets = listParams(spec, ctx);
      break;
    case 'git':
      sets = await gitParams(spec, ctx);
      break;
    case 'clusters':
      sets = await clusterParams(spec, ctx);
      break;
    case 'matrix':
    case 'merge':
      if (depth > 1) throw new RenderError(`${kind} generator: nested more than two levels deep`);
      sets = kind === 'matrix' ? await matrixParams(spec, ctx, depth) : await mergeParams(spec, ctx, depth);
      break;
    default:
      throw new NotEvaluable(`${kind} generator is not evaluable offline`);
  }
  checkSize(sets.length);
  if (!generator.selector) return sets;
  return sets.filter((set) => selectorMatches(generator.selector, Object.fromEntries(Object.entries(flatten(set)).map(([k, v]) => [k, goFormat(v)]))));
}
