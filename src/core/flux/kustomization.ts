// The kustomization kustomize-controller builds for a Flux Kustomization (fluxcd/pkg
// kustomize generator): the path's own kustomization (or one listing its manifests
// when it has none) with the Kustomization's spec written into it, not around it —
// targetNamespace replaces its namespace, namePrefix/nameSuffix replace its own,
// patches and components are appended, images merge by name. Pure.
import { isObject, type JsonObject, type JsonValue } from '../resource.js';

/** What a Flux Kustomization's spec writes into the kustomization of its path. */
export interface FluxSpec {
  /** Set as the kustomization's namespace: it overrides every namespace, it is no default. */
  targetNamespace?: string;
  namePrefix?: string;
  nameSuffix?: string;
  /** Appended to the path's kustomization (or to the one Flux generates when it has none). */
  patches?: JsonValue[];
  images?: JsonObject[];
  components?: string[];
}

/** The kustomization Flux generates for a directory without one: its manifests and kustomization directories, as resources. */
export function generatedKustomization(resources: string[]): JsonObject {
  const kustomization: JsonObject = { apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization' };
  // An empty one would not build: Flux sets a placeholder namespace instead.
  if (resources.length === 0) kustomization.namespace = '_placeholder';
  else kustomization.resources = resources;
  return kustomization;
}

const list = (value: JsonValue | undefined): JsonValue[] => (Array.isArray(value) ? value : []);

/** Flux's image merge: fields set by the Kustomization replace the entry's; a new tag or digest replaces both. */
function mergeImages(own: JsonValue[], overrides: JsonObject[]): JsonValue[] {
  const images = own.map((image) => (isObject(image) ? { ...image } : image));
  for (const image of overrides) {
    const existing = images.find((i): i is JsonObject => isObject(i) && i.name === image.name);
    if (!existing) {
      images.push(Object.fromEntries(['name', 'newName', 'newTag', 'digest'].filter((k) => typeof image[k] === 'string' && image[k]).map((k) => [k, image[k]!])));
      continue;
    }
    if (image.newName) existing.newName = image.newName;
    if (image.newTag || image.digest) {
      delete existing.newTag;
      delete existing.digest;
      if (image.newTag) existing.newTag = image.newTag;
      if (image.digest) existing.digest = image.digest;
    }
  }
  return images;
}

/** A Flux patch ({patch, target}) as kustomize reads it: the selector's fields are the same. */
function patchOf(patch: JsonValue): JsonObject {
  if (!isObject(patch)) return {};
  return { ...(typeof patch.patch === 'string' ? { patch: patch.patch } : {}), ...(isObject(patch.target) ? { target: patch.target } : {}) };
}

/**
 * The kustomization as Flux writes it: `own` is the path's kustomization (or the
 * generated one); `components` are the spec's components that exist (or all,
 * when missing ones are not ignored).
 */
export function fluxKustomization(own: JsonObject, spec: FluxSpec, components: string[]): JsonObject {
  const k: JsonObject = { apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', ...own };
  // Flux's guard against kustomize's "kustomization is empty" for one that only generates or composes.
  if (list(own.resources).length === 0 && own.namespace !== '_placeholder') k.buildMetadata = ['originAnnotations'];
  if (spec.targetNamespace) k.namespace = spec.targetNamespace;
  if (spec.namePrefix) k.namePrefix = spec.namePrefix;
  if (spec.nameSuffix) k.nameSuffix = spec.nameSuffix;
  if (spec.patches?.length) k.patches = [...list(k.patches), ...spec.patches.map(patchOf)];
  if (components.length) k.components = [...list(k.components), ...components];
  if (spec.images?.length) k.images = mergeImages(list(k.images), spec.images);
  return k;
}
