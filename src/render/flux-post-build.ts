// What Flux does to the rendered objects before it applies them: variable
// substitution (postBuild.substitute over substituteFrom, in each object's YAML text,
// unless it is annotated or labelled substitute: disabled), then commonMetadata; and
// the HelmRelease values the render could not know.
import { substitute, SubstitutionError, type Lookup } from '../core/flux/envsubst.js';
import { isObject, type JsonObject, type Resource } from '../core/resource.js';
import { plural } from '../core/plural.js';
import { RenderError } from '../errors.js';
import type { Snapshot } from '../repo/snapshot.js';
import type { FluxKustomizeOptions, Target } from '../core/target.js';
import { readYaml } from '../util/yaml-read.js';
import { referencedData, secretMarker } from './flux-values.js';

const SUBSTITUTE = 'kustomize.toolkit.fluxcd.io/substitute';
// Flux refuses any other variable name (kustomize_varsub.go).
const VARIABLE_NAME = /^[_a-zA-Z][_a-zA-Z0-9]*$/;

const metadataMap = (object: JsonObject, key: 'labels' | 'annotations'): JsonObject => {
  const metadata = isObject(object.metadata) ? object.metadata : {};
  return isObject(metadata[key]) ? metadata[key] : {};
};

const disabled = (object: JsonObject) => metadataMap(object, 'labels')[SUBSTITUTE] === 'disabled' || metadataMap(object, 'annotations')[SUBSTITUTE] === 'disabled';

interface Variables {
  lookup: Lookup;
  /** Sources whose values are not known offline. */
  unknown: string[];
  any: boolean;
}

/** The variables, as Flux merges them: substituteFrom in order, then substitute over them; newlines dropped. */
async function variables(snapshot: Snapshot, target: Target, postBuild: NonNullable<FluxKustomizeOptions['postBuild']>): Promise<Variables> {
  const known = new Map<string, string>();
  const unknown: string[] = [];
  for (const ref of postBuild.substituteFrom) {
    const found = await referencedData(snapshot, ref);
    if (!found) {
      unknown.push(`${ref.kind}/${ref.name}${ref.optional ? ' (optional)' : ''}`);
      continue;
    }
    for (const [key, raw] of found.data) {
      const value = raw.replace(/\n/g, '');
      known.set(key, found.secret ? secretMarker(key, value) : value);
    }
  }
  for (const [key, value] of Object.entries(postBuild.substitute)) known.set(key, value.replace(/\n/g, ''));
  const invalid = [...known.keys()].find((name) => !VARIABLE_NAME.test(name));
  if (invalid !== undefined) throw new RenderError(`postBuild variable name "${invalid}" is invalid: Flux requires ${VARIABLE_NAME.source}`, target.declaredBy?.file);
  return {
    lookup: (name) => (known.has(name) ? known.get(name)! : unknown.length ? null : undefined),
    unknown,
    // Flux substitutes only when some variable is set, unless told to always.
    any: known.size > 0 || unknown.length > 0 || postBuild.always,
  };
}

const names = (set: Set<string>) => [...set].sort().map((n) => `\${${n}}`).join(', ');

/**
 * The build output with the variables substituted in each document that does not
 * disable it. Flux substitutes in the YAML text of each object as kustomize wrote
 * it, quotes included (a quoted "${N}" stays a string, an unquoted one takes the
 * value's type), so the text is what is substituted here too.
 */
export async function substituteOutput(snapshot: Snapshot, target: Target, output: string): Promise<{ text: string; notes: string[] }> {
  const postBuild = target.flux?.postBuild;
  if (!postBuild) return { text: output, notes: [] };
  const vars = await variables(snapshot, target, postBuild);
  if (!vars.any) return { text: output, notes: [] };
  const unresolved = new Set<string>();
  const empty = new Set<string>();
  const documents: string[] = [];
  for (const text of output.split(/^---[ \t]*$/m)) {
    const [doc] = text.includes('$') ? await readYaml(text, `${target.path} (kustomize build)`, { single: true, kubernetes: true }) : [];
    const object = doc?.value;
    if (!doc || !isObject(object) || disabled(object)) {
      documents.push(text);
      continue;
    }
    const what = `${String(object.kind)}/${String(isObject(object.metadata) ? object.metadata.name : '')}`;
    try {
      const result = substitute(text, vars.lookup);
      result.unresolved.forEach((n) => unresolved.add(n));
      result.empty.forEach((n) => empty.add(n));
      documents.push(result.text);
    } catch (error) {
      if (error instanceof SubstitutionError) throw new RenderError(`post build failed for ${what}: variable substitution failed: ${error.message}`, target.declaredBy?.file);
      throw error;
    }
  }
  const notes: string[] = [];
  if (unresolved.size) {
    notes.push(`${plural(unresolved.size, 'variable')} not known offline, shown as written: ${names(unresolved)} (values from ${vars.unknown.join(', ')}, which the repository does not define readably)`);
  }
  if (empty.size) {
    notes.push(`${plural(empty.size, 'variable')} defined by no source: ${names(empty)}; Flux substitutes an empty string (a controller with strict substitution fails instead)`);
  }
  return { text: documents.join('---'), notes };
}

/** commonMetadata's labels and annotations, set on each object's own metadata over its own. */
export function withCommonMetadata(resources: Resource[], common: NonNullable<FluxKustomizeOptions['commonMetadata']>): Resource[] {
  return resources.map((resource) => {
    const object = structuredClone(resource.object);
    const metadata = isObject(object.metadata) ? object.metadata : (object.metadata = {});
    for (const key of ['labels', 'annotations'] as const) {
      const add = common[key];
      if (add && Object.keys(add).length) metadata[key] = { ...metadataMap(object, key), ...add };
    }
    return { ...resource, object };
  });
}

/** The valuesFrom of a HelmRelease that the render had to leave out. */
export async function unknownValues(snapshot: Snapshot, target: Target): Promise<string[]> {
  const refs = target.helm?.valuesFrom ?? [];
  const known = await Promise.all(refs.map((ref) => referencedData(snapshot, ref)));
  const unknown = refs.filter((_, i) => !known[i]).map((ref) => `${ref.kind}/${ref.name}`);
  return unknown.length ? [`values from ${unknown.join(', ')} are not known offline (the repository does not define them readably): rendered without them`] : [];
}
