// What kustomize-controller does to the built objects before it applies them:
// variable substitution (postBuild.substitute over substituteFrom, each object's YAML
// text, unless it is annotated or labelled substitute: disabled), then commonMetadata.
import { stringify } from 'yaml';
import { substitute, SubstitutionError, type Lookup } from '../core/flux/envsubst.js';
import { isObject, toResource, type JsonObject, type Resource } from '../core/resource.js';
import { plural } from '../core/plural.js';
import { RenderError } from '../errors.js';
import type { Snapshot } from '../repo/snapshot.js';
import type { FluxKustomizeOptions, Target } from '../targets/target.js';
import { readYaml } from '../util/yaml-read.js';
import { referencedData, secretMarker } from './flux-values.js';

export interface PostBuilt {
  resources: Resource[];
  /** What the prediction could not settle, one sentence each. */
  notes: string[];
}

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

async function substituted(snapshot: Snapshot, target: Target, resources: Resource[], postBuild: NonNullable<FluxKustomizeOptions['postBuild']>): Promise<PostBuilt> {
  const vars = await variables(snapshot, target, postBuild);
  if (!vars.any) return { resources, notes: [] };
  const unresolved = new Set<string>();
  const empty = new Set<string>();
  const out: Resource[] = [];
  for (const resource of resources) {
    // As Flux reads it: the YAML text of the object (YAML 1.1, as kyaml writes and reads it).
    const text = stringify(resource.object, { version: '1.1', lineWidth: 0 });
    if (disabled(resource.object) || !text.includes('$')) {
      out.push(resource);
      continue;
    }
    const what = `${resource.kind}/${resource.name}`;
    let result;
    try {
      result = substitute(text, vars.lookup);
    } catch (error) {
      if (error instanceof SubstitutionError) throw new RenderError(`post build failed for ${what}: variable substitution failed: ${error.message}`, resource.source?.file, resource.source?.line);
      throw error;
    }
    result.unresolved.forEach((n) => unresolved.add(n));
    result.empty.forEach((n) => empty.add(n));
    const [doc] = await readYaml(result.text, what, { single: true, kubernetes: true });
    const object = doc?.error ? undefined : toResource(doc?.value, target.namespace, resource.source);
    if (!object) throw new RenderError(`post build failed for ${what}: the substituted values do not make a valid object${doc?.error ? ` (${doc.error.message})` : ''}`, resource.source?.file, resource.source?.line);
    out.push(object);
  }
  const notes: string[] = [];
  if (unresolved.size) {
    notes.push(`${plural(unresolved.size, 'variable')} not known offline, shown as written: ${names(unresolved)} (values from ${vars.unknown.join(', ')}, which the repository does not define readably)`);
  }
  if (empty.size) {
    notes.push(`${plural(empty.size, 'variable')} defined by no source: ${names(empty)}; Flux substitutes an empty string (a controller with strict substitution fails instead)`);
  }
  return { resources: out, notes };
}

/** commonMetadata's labels and annotations, set on each object's own metadata over its own. */
function withCommonMetadata(resources: Resource[], common: NonNullable<FluxKustomizeOptions['commonMetadata']>): Resource[] {
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
async function unknownValues(snapshot: Snapshot, target: Target): Promise<string[]> {
  const refs = target.helm?.valuesFrom ?? [];
  const known = await Promise.all(refs.map((ref) => referencedData(snapshot, ref)));
  const unknown = refs.filter((_, i) => !known[i]).map((ref) => `${ref.kind}/${ref.name}`);
  return unknown.length ? [`values from ${unknown.join(', ')} are not known offline (the repository does not define them readably): rendered without them`] : [];
}

/** A Flux target's objects as the controller applies them, from the render's. */
export async function fluxPostBuild(snapshot: Snapshot, target: Target, built: Resource[]): Promise<PostBuilt> {
  const flux = target.flux;
  if (!flux) return { resources: built, notes: await unknownValues(snapshot, target) };
  const { resources, notes } = flux.postBuild ? await substituted(snapshot, target, built, flux.postBuild) : { resources: built, notes: [] };
  return { resources: flux.commonMetadata ? withCommonMetadata(resources, flux.commonMetadata) : resources, notes };
}
