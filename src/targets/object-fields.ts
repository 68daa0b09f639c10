// Reading the fields of a declaring object (Application, Flux Kustomization…): typed
// accessors that never throw on the shapes a hostile or broken file may have.
import { at } from '../core/pod.js';
import { str, type JsonObject, type JsonValue } from '../core/resource.js';
import type { TargetDeclaration } from '../core/model.js';
import { resolveInRepo } from '../repo/snapshot.js';

export { at, str };

export function strings(value: JsonValue | undefined): string[] {
  return Array.isArray(value) ? value.filter((x): x is string => typeof x === 'string') : [];
}

/** "./apps/web/" → "apps/web"; null when it leaves the repository. */
export function cleanPath(path: string): string | null {
  return resolveInRepo('', path);
}

export function declaration(object: JsonObject, name: string, file: string): TargetDeclaration {
  return { kind: object.kind as string, namespace: str(at(object, 'metadata', 'namespace')) ?? null, name, file };
}

/** The relative path from one repository directory to a path ("apps/web", "values/prod.yaml" → "../../values/prod.yaml"). */
export function relativeTo(from: string, to: string): string {
  const fromParts = from ? from.split('/') : [];
  const toParts = to.split('/');
  let common = 0;
  while (common < fromParts.length && fromParts[common] === toParts[common]) common++;
  return [...Array(fromParts.length - common).fill('..'), ...toParts.slice(common)].join('/');
}
