// Brings in the packages that carry the Kubernetes 1.33 schemas, only as far
// as a review needs them: kubernetes-models (ajv validators, one module per
// group-version) and the client's generated models (field names, for unknown
// fields). Both are imported on first use and kept for the process.
import { createRequire } from 'node:module';
import type { ErrorObject } from 'ajv';
import { builtinFieldTrees, rootModelName, type ModelIndex } from '../core/schema/builtin-fields.js';
import type { BuiltinSchemas } from '../core/schema/validate.js';
import type { FieldTree } from '../core/schema/field-tree.js';
import type { JsonObject } from '../core/resource.js';

interface ModelClass {
  kind?: unknown;
  prototype: { validate(this: unknown): void };
}

type GroupVersion = Map<string, ModelClass>;

const require = createRequire(import.meta.url);

/** The group-versions the package has a module for: `./apps/v1`, `./v1`… */
const exported = new Set(Object.keys((require('kubernetes-models/package.json') as { exports: Record<string, unknown> }).exports).filter((k) => !k.includes('*')));

const groupVersions = new Map<string, Promise<GroupVersion | null>>();

/** The kinds of one group-version; null when the package has no module for it. */
function groupVersion(apiVersion: string): Promise<GroupVersion | null> {
  let loaded = groupVersions.get(apiVersion);
  if (!loaded) {
    // Only a key of the package's own exports map becomes an import path.
    loaded = exported.has(`./${apiVersion}`)
      ? import(`kubernetes-models/${apiVersion}`).then((module: Record<string, unknown>) => {
          const kinds: GroupVersion = new Map();
          for (const value of Object.values(module)) {
            const cls = value as ModelClass;
            if (typeof value === 'function' && typeof cls.kind === 'string' && !kinds.has(cls.kind)) kinds.set(cls.kind, cls);
          }
          return kinds;
        })
      : Promise.resolve(null);
    groupVersions.set(apiVersion, loaded);
  }
  return loaded;
}

let clientModels: Promise<{ trees: (name: string) => FieldTree; models: ModelIndex }> | undefined;

function fieldModels() {
  clientModels ??= import('@kubernetes/client-node/dist/gen/models/all.js').then((models: ModelIndex) => ({ models, trees: builtinFieldTrees(models) }));
  return clientModels;
}

/** The errors a kubernetes-models validator throws, without copying the object. */
function errorsOf(cls: ModelClass, object: JsonObject): ErrorObject[] {
  try {
    cls.prototype.validate.call(object);
    return [];
  } catch (error) {
    const errors = (error as { errors?: unknown }).errors;
    if (Array.isArray(errors)) return errors as ErrorObject[];
    throw error;
  }
}

/** The built-in schemas of the given apiVersions, ready for synchronous validation. */
export async function loadBuiltinSchemas(apiVersions: Iterable<string>): Promise<BuiltinSchemas> {
  const wanted = [...new Set([...apiVersions, 'v1'])];
  const [loaded, { models, trees }] = await Promise.all([Promise.all(wanted.map(async (v) => [v, await groupVersion(v)] as const)), fieldModels()]);
  const byVersion = new Map(loaded);
  const configMap = byVersion.get('v1')!.get('ConfigMap')!;
  const groups = new Set([...exported].map((key) => key.slice(2).split('/')[0]!));
  return {
    validate: (apiVersion, kind, object) => {
      const cls = byVersion.get(apiVersion)?.get(kind);
      return cls ? errorsOf(cls, object) : null;
    },
    fields: (apiVersion, kind) => {
      const name = rootModelName(apiVersion, kind, models);
      return name ? trees(name) : null;
    },
    objectMeta: trees('V1ObjectMeta'),
    // The ObjectMeta validator is reached through a kind that has nothing but metadata.
    validateMetadata: (metadata) => errorsOf(configMap, { metadata }).filter((e) => e.instancePath.startsWith('/metadata')),
    builtinGroup: (apiVersion) => (apiVersion.includes('/') ? groups.has(apiVersion.split('/')[0]!) : true),
  };
}
