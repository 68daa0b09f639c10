// The schemas the CustomResourceDefinitions of a set of renders declare, by
// apiVersion and kind.
import { isObject, type JsonObject, type Resource } from '../resource.js';

/** A CRD version without a schema keeps whatever it is given. */
const PRESERVE: JsonObject = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };

export const crdKey = (apiVersion: string, kind: string) => `${apiVersion}\0${kind}`;

/**
 * Each CRD version's openAPIV3Schema (apiextensions v1 per version, v1beta1 also
 * spec.validation for all), as the API server would serve them after applying
 * `resources` in order: a CRD not named `<plural>.<group>` is refused, a later
 * CRD of the same name replaces the earlier, and a kind an earlier CRD of
 * another name claims stays with that one (the later one's names conflict).
 */
export function crdSchemas(resources: Iterable<Resource>): Map<string, JsonObject> {
  const schemas = new Map<string, JsonObject>();
  const claimedBy = new Map<string, string>();
  for (const r of resources) {
    if (r.kind !== 'CustomResourceDefinition' || !r.apiVersion.startsWith('apiextensions.k8s.io/')) continue;
    const spec = r.object.spec;
    if (!isObject(spec) || typeof spec.group !== 'string' || !isObject(spec.names) || typeof spec.names.kind !== 'string') continue;
    const { group, names } = spec;
    if (r.name !== `${String(names.plural)}.${group}`) continue;
    const claim = `${group}\0${names.kind}`;
    if ((claimedBy.get(claim) ?? r.name) !== r.name) continue;
    claimedBy.set(claim, r.name);
    const shared = isObject(spec.validation) && isObject(spec.validation.openAPIV3Schema) ? spec.validation.openAPIV3Schema : undefined;
    const versions = Array.isArray(spec.versions) ? spec.versions.filter(isObject) : typeof spec.version === 'string' ? [{ name: spec.version }] : [];
    for (const version of versions) {
      if (typeof version.name !== 'string' || version.served === false) continue;
      const own = isObject(version.schema) && isObject(version.schema.openAPIV3Schema) ? version.schema.openAPIV3Schema : undefined;
      const schema = own ?? shared ?? PRESERVE;
      schemas.set(crdKey(`${group}/${version.name}`, names.kind as string), schema);
    }
  }
  return schemas;
}
