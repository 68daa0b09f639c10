// The plain renderer: every YAML/JSON file directly in the target's directory
// (or below it, for recursive directory applications), read straight from git.
import type { Resource } from '../core/resource.js';
import { RenderError } from '../errors.js';
import type { Snapshot } from '../repo/snapshot.js';
import { MANIFEST_EXTENSIONS, type Target } from '../targets/target.js';
import { parseObjects } from './yaml-objects.js';

// Files that configure tools rather than hold objects to apply.
const TOOL_FILES = /(^|\/)(kustomization\.ya?ml|Kustomization|Chart\.yaml|values[^/]*\.ya?ml|\.safe-deploy\.yml)$/;
// Text that looks like a manifest, so a parse error in it is reported rather than ignored.
const LOOKS_LIKE_MANIFEST = /^\s*apiVersion\s*:/m;

export function plainFiles(snapshot: Snapshot, target: Pick<Target, 'path' | 'recurse'>): string[] {
  const files = target.recurse ? snapshot.filesUnder(target.path) : snapshot.filesIn(target.path);
  return files.filter((f) => MANIFEST_EXTENSIONS.test(f) && !TOOL_FILES.test(f));
}

export async function renderPlain(snapshot: Snapshot, target: Target): Promise<Resource[]> {
  const resources: Resource[] = [];
  for (const file of plainFiles(snapshot, target)) {
    const text = await snapshot.readText(file);
    try {
      resources.push(...(await parseObjects(text, file, target.namespace)));
    } catch (error) {
      if (error instanceof RenderError && !LOOKS_LIKE_MANIFEST.test(text)) continue;
      throw error;
    }
  }
  return resources;
}
