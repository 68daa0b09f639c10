// Flux ExternalArtifacts built by an ArtifactGenerator (source-watcher) from this
// repository: when the generator only copies whole directories of one source, with
// their layout kept (`@repo/apps/base/**` → `@artifact/base/`), the artifact is a
// directory of that source, and a path in the artifact is a path in the repository.
import { isObject, type JsonObject, type JsonValue } from '../core/resource.js';
import { at, str } from './object-fields.js';

export const isArtifactGenerator = (object: JsonValue): object is JsonObject =>
  isObject(object) && typeof object.apiVersion === 'string' && object.apiVersion.startsWith('source.extensions.fluxcd.io/') && object.kind === 'ArtifactGenerator';

/** The entry of the generator that builds the named artifact. */
export function artifactEntry(generator: JsonObject, artifact: string): JsonObject | undefined {
  const artifacts = at(generator, 'spec', 'artifacts');
  return (Array.isArray(artifacts) ? artifacts : []).find((a): a is JsonObject => isObject(a) && a.name === artifact);
}

/** What an artifact is made of: a directory of one source, or why it is not evaluated. */
export type ArtifactLayout = { source: JsonObject; root: string } | { problem: string };

const GLOB = /[*?[\]{}]/;

function trimSlashes(path: string): string {
  return path.replace(/^\/+|\/+$/g, '');
}

/**
 * The repository directory the artifact's root stands for, and the source it
 * is copied from. Anything else — several sources or roots, file patterns,
 * excludes, merge or extract strategies, path patterns — is not evaluated.
 */
export function artifactLayout(generator: JsonObject, artifact: string): ArtifactLayout {
  const name = str(at(generator, 'metadata', 'name')) ?? '';
  const entry = artifactEntry(generator, artifact);
  const copies = entry && Array.isArray(entry.copy) ? entry.copy : [];
  const unsupported: ArtifactLayout = { problem: `ArtifactGenerator ${name} builds artifact ${artifact} in a way safe-deploy does not evaluate (only whole directories of one source, "@source/dir/**" → "@artifact/dir/")` };
  if (!entry || copies.length === 0 || entry.pathPattern !== undefined) return unsupported;
  let alias: string | undefined;
  let root: string | undefined;
  for (const copy of copies) {
    if (!isObject(copy) || copy.exclude !== undefined || (copy.strategy !== undefined && copy.strategy !== 'Overwrite')) return unsupported;
    const from = /^@([^/]+)\/(.*)$/.exec(str(copy.from) ?? '');
    const to = /^@artifact(\/.*)?$/.exec(str(copy.to) ?? '');
    if (!from || !to || !(from[2] === '**' || from[2]!.endsWith('/**'))) return unsupported;
    const dir = trimSlashes(from[2]!.slice(0, -2));
    const dest = trimSlashes(to[1] ?? '');
    if (GLOB.test(dir) || (to[1] !== undefined && to[1] !== '/' && !to[1].endsWith('/'))) return unsupported;
    // The copied directory must end with its destination: then the artifact root is what precedes it.
    if (dest && dir !== dest && !dir.endsWith(`/${dest}`)) return unsupported;
    const base = dest ? trimSlashes(dir.slice(0, dir.length - dest.length)) : dir;
    if ((alias !== undefined && alias !== from[1]) || (root !== undefined && root !== base)) return unsupported;
    [alias, root] = [from[1]!, base];
  }
  const source = (Array.isArray(at(generator, 'spec', 'sources')) ? (at(generator, 'spec', 'sources') as JsonValue[]) : []).find(
    (s) => isObject(s) && s.alias === alias,
  );
  if (!isObject(source)) return { problem: `ArtifactGenerator ${name} copies from "@${alias}", which it does not define` };
  return { source, root: root! };
}
