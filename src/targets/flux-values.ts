// Where the repository defines the ConfigMaps and Secrets a Flux object reads
// (postBuild.substituteFrom, valuesFrom): their files are inputs of the target,
// and the renderer reads the values from there.
import { MANIFEST_EXTENSIONS } from '../core/manifests.js';
import { isObject } from '../core/resource.js';
import { parentDir, type Snapshot } from '../repo/snapshot.js';
import { readYaml } from '../util/yaml-read.js';
import { at, str } from './object-fields.js';
import { valuesReferencesOf, type Target, type ValuesReference } from '../core/target.js';

const MAX_BYTES = 1024 * 1024;

interface Definition {
  file: string;
  namespace: string | undefined;
}

/** How many leading directories two files share. */
function closeness(a: string, b: string): number {
  const [x, y] = [parentDir(a).split('/'), parentDir(b).split('/')];
  let n = 0;
  while (n < x.length && x[n] === y[n] && x[n] !== '') n++;
  return n;
}

/**
 * The file defining a reference: an object of that kind and name in its namespace
 * (or naming none, so it lands wherever it is deployed). Clusters folders often
 * define the same ConfigMap once per cluster: the definition nearest to the
 * declaring file is the one of its cluster; a tie is not decided.
 */
function definingFile(ref: ValuesReference, declaredIn: string, definitions: Map<string, Definition[]>): string | undefined {
  const candidates = (definitions.get(`${ref.kind}/${ref.name}`) ?? []).filter((d) => d.namespace === undefined || d.namespace === ref.namespace);
  const exact = candidates.filter((d) => d.namespace === ref.namespace);
  const pool = exact.length ? exact : candidates;
  const best = Math.max(...pool.map((d) => closeness(d.file, declaredIn)));
  const nearest = [...new Set(pool.filter((d) => closeness(d.file, declaredIn) === best).map((d) => d.file))];
  return nearest.length === 1 ? nearest[0] : undefined;
}

/** Sets `file` on every ConfigMap/Secret reference of the targets that the repository defines. */
export async function locateValuesReferences(snapshot: Snapshot, targets: Target[]): Promise<void> {
  const refs = targets.flatMap((target) => valuesReferencesOf(target).map((ref) => ({ ref, declaredIn: target.declaredBy?.file ?? '' })));
  if (refs.length === 0) return;
  const files = (await snapshot.grep([...new Set(refs.map(({ ref }) => ref.name))])).filter((f) => MANIFEST_EXTENSIONS.test(f));
  const definitions = new Map<string, Definition[]>();
  for (const file of files) {
    let documents;
    try {
      documents = await readYaml(await snapshot.readText(file, MAX_BYTES), file);
    } catch {
      continue; // an unreadable file defines nothing
    }
    for (const { value } of documents) {
      if (!isObject(value) || value.apiVersion !== 'v1' || (value.kind !== 'ConfigMap' && value.kind !== 'Secret')) continue;
      const key = `${value.kind}/${str(at(value, 'metadata', 'name')) ?? ''}`;
      definitions.set(key, [...(definitions.get(key) ?? []), { file, namespace: str(at(value, 'metadata', 'namespace')) }]);
    }
  }
  for (const { ref, declaredIn } of refs) {
    const file = definingFile(ref, declaredIn, definitions);
    if (file) ref.file = file;
  }
}
