// Paths into an object as the API server prints them: spec.containers[0].name.
import type { JsonValue } from '../resource.js';

export type PathSegment = string | number;

export function dottedPath(segments: readonly PathSegment[]): string {
  let text = '';
  for (const s of segments) text += typeof s === 'number' ? `[${s}]` : text ? `.${s}` : s;
  return text;
}

/** The segments of an ajv instancePath (a JSON pointer), with array indexes told apart by walking `root`. */
export function pointerSegments(pointer: string, root: JsonValue): PathSegment[] {
  if (pointer === '') return [];
  const segments: PathSegment[] = [];
  let at: JsonValue | undefined = root;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(at)) {
      const index = Number(key);
      segments.push(index);
      at = at[index];
    } else {
      segments.push(key);
      at = at !== null && typeof at === 'object' ? at[key] : undefined;
    }
  }
  return segments;
}

/** The value at an ajv instancePath. */
export function valueAt(root: JsonValue, segments: readonly PathSegment[]): JsonValue | undefined {
  let at: JsonValue | undefined = root;
  for (const s of segments) at = at !== null && typeof at === 'object' ? (Array.isArray(at) ? at[s as number] : at[s as string]) : undefined;
  return at;
}
