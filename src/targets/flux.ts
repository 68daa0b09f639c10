// Flux Kustomizations as targets, with the source they name: a Kustomization renders
// from this repository only when its sourceRef is a source of this repository.
import { isObject, type JsonObject, type JsonValue } from '../core/resource.js';
import type { Snapshot } from '../repo/snapshot.js';
import { detectRenderer } from './detect.js';
import { at, cleanPath, declaration, str } from './object-fields.js';
import type { Target, TargetSource } from './target.js';

const SOURCE_KINDS = new Set(['GitRepository', 'OCIRepository', 'Bucket', 'HelmRepository', 'HelmChart']);

/** Flux source objects defined in the repository, by "Kind/namespace/name". */
export type FluxSources = Map<string, JsonObject>;

export const isFluxSource = (object: JsonValue): object is JsonObject =>
  isObject(object) && typeof object.apiVersion === 'string' && object.apiVersion.startsWith('source.toolkit.fluxcd.io/') && SOURCE_KINDS.has(object.kind as string);

export const isFluxKustomization = (object: JsonValue): object is JsonObject =>
  isObject(object) && typeof object.apiVersion === 'string' && object.apiVersion.startsWith('kustomize.toolkit.fluxcd.io/') && object.kind === 'Kustomization';

export function sourceKey(kind: string, namespace: string, name: string): string {
  return `${kind}/${namespace}/${name}`;
}

/** The source a Flux object's reference names (its namespace defaults to the referrer's), with its URL when the repository defines it. */
export function referencedSource(ref: JsonValue | undefined, referrer: JsonObject, sources: FluxSources): TargetSource {
  const kind = str(at(ref, 'kind')) ?? 'GitRepository';
  const namespace = str(at(ref, 'namespace')) ?? str(at(referrer, 'metadata', 'namespace')) ?? 'default';
  const name = str(at(ref, 'name')) ?? '';
  const url = str(at(sources.get(sourceKey(kind, namespace, name)), 'spec', 'url'));
  return { kind, name: `${namespace}/${name}`, ...(url ? { url } : {}) };
}

/** The target of a Flux Kustomization: its path, as a kustomization or (Flux generates one) all manifests below it. */
export function fluxTarget(snapshot: Snapshot, ks: JsonObject, file: string, sources: FluxSources): Target[] {
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
      source: referencedSource(at(ks, 'spec', 'sourceRef'), ks, sources),
      ...(renderer === 'plain' ? { recurse: true } : {}),
    },
  ];
}
