// Brings in the packages that carry the Kubernetes 1.33 schemas, only as far
// as a review needs them: kubernetes-models (ajv validators, one module per
// kind) and the client's generated models (field names, for unknown
// fields). Both are imported on first use and kept for the process.
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import type { ErrorObject } from 'ajv';
import { builtinFieldTrees, rootModelName, type ModelIndex } from '../core/schema/builtin-fields.js';
import type { BuiltinSchemas } from '../core/schema/validate.js';
import type { FieldTree } from '../core/schema/field-tree.js';
import type { JsonObject } from '../core/resource.js';

interface ModelClass {
  kind?: unknown;
  prototype: { validate(this: unknown): void };
}

const require = createRequire(import.meta.url);

/** The group-versions the package has a module for: `./apps/v1`, `./v1`… */
const exported = new Set(Object.keys((require('kubernetes-models/package.json') as { exports: Record<string, unknown> }).exports).filter((k) => !k.includes('*')));

const modulesOf = new Map<string, ReadonlySet<string>>();

/** The modules the package ships for one group-version (kinds and their parts), by name; none for a group-version it lacks. */
function modulesIn(apiVersion: string): ReadonlySet<string> {
  let names = modulesOf.get(apiVersion);
  if (!names) {
    const files = exported.has(`./${apiVersion}`) ? readdirSync(dirname(require.resolve(`kubernetes-models/${apiVersion}`))) : [];
    names = new Set(files.filter((f) => f.endsWith('.mjs')).map((f) => f.slice(0, -'.mjs'.length)));
    modulesOf.set(apiVersion, names);
  }
  return names;
}

const classes = new Map<string, Promise<ModelClass | null>>();

/**
 * The model class of one kind: its own module (a group-version's index would
 * load every kind of it), imported only when the package ships a module of
 * that name, and taken only when its class says it is that kind.
 */
function modelClass(apiVersion: string, kind: string): Promise<ModelClass | null> {
  const key = `${apiVersion}\0${kind}`;
  let loaded = classes.get(key);
  if (!loaded) {
    loaded = modulesIn(apiVersion).has(kind)
      ? import(`kubernetes-models/${apiVersion}/${kind}`).then((module: Record<string, unknown>) => {
          const value = module[kind];
          return typeof value === 'function' && (value as ModelClass).kind === kind ? (value as ModelClass) : null;
        })
      : Promise.resolve(null);
    classes.set(key, loaded);
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

export interface Kind {
  apiVersion: string;
  kind: string;
}

/** The built-in schemas of the given kinds, ready for synchronous validation. */
export async function loadBuiltinSchemas(kinds: Iterable<Kind>): Promise<BuiltinSchemas> {
  const wanted = new Map([...kinds, { apiVersion: 'v1', kind: 'ConfigMap' }].map((k) => [`${k.apiVersion}\0${k.kind}`, k]));
  const [loaded, { models, trees }] = await Promise.all([
    Promise.all([...wanted].map(async ([key, k]) => [key, await modelClass(k.apiVersion, k.kind)] as const)),
    fieldModels(),
  ]);
  const byKind = new Map(loaded);
  const configMap = byKind.get('v1\0ConfigMap')!;
  const groups = new Set([...exported].map((key) => key.slice(2).split('/')[0]!));
  return {
    validate: (apiVersion, kind, object) => {
      const cls = byKind.get(`${apiVersion}\0${kind}`);
      return cls ? errorsOf(cls, object) : null;
    },
    fields: (apiVersion, kind) => {
      const name = rootModelName(apiVersion, kind, models);
      return name ? trees(name) : null;
    },
    objectMeta: trees('V1ObjectMeta'),
    // The ObjectMeta validator is reached through a kind that has nothing but metadata.
    validateMetadata: (metadata) => (configMap ? errorsOf(configMap, { metadata }).filter((e) => e.instancePath.startsWith('/metadata')) : []),
    builtinGroup: (apiVersion) => (apiVersion.includes('/') ? groups.has(apiVersion.split('/')[0]!) : true),
  };
}
