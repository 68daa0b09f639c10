import type { TargetConfig } from '../config/schema.js';
import type { RendererName } from '../core/model.js';

/** A deploy target: one thing that renders to a set of objects. */
export interface Target {
  name: string;
  /** Directory relative to the repository root ("." for the root). */
  path: string;
  renderer: RendererName;
  /** Namespace for namespaced objects that name none. */
  namespace: string;
  /** Plain targets only: include subdirectories (Argo CD directory.recurse, Flux). */
  recurse?: boolean;
  kubernetesVersion?: string;
  helm?: TargetConfig['helm'];
}

export const MANIFEST_EXTENSIONS = /\.(ya?ml|json)$/i;

export function dirOf(file: string): string {
  const slash = file.lastIndexOf('/');
  return slash === -1 ? '.' : file.slice(0, slash);
}
