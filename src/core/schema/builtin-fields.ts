// Field trees of the built-in kinds from the type maps of the generated
// Kubernetes client models (names and type names only).
import { ANY, LEAF, type FieldTree } from './field-tree.js';

export interface ModelAttribute {
  baseName: string;
  type: string;
  format?: string;
}

/** A model class of the client: what its fields are called and typed. */
export interface Model {
  getAttributeTypeMap(): ModelAttribute[];
}

export type ModelIndex = Readonly<Record<string, unknown>>;

function isModel(value: unknown): value is Model {
  return typeof value === 'function' && typeof (value as Partial<Model>).getAttributeTypeMap === 'function';
}

const pascal = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/**
 * The model of a kind: `CoreV1Event` / `EventsV1Event` where the client names
 * a kind by its group, else `V1Deployment`, `V2HorizontalPodAutoscaler`.
 */
export function rootModelName(apiVersion: string, kind: string, models: ModelIndex): string | null {
  const slash = apiVersion.indexOf('/');
  const group = slash === -1 ? 'core' : apiVersion.slice(0, slash).split('.')[0]!;
  const version = pascal(slash === -1 ? apiVersion : apiVersion.slice(slash + 1));
  for (const name of [`${pascal(group)}${version}${kind}`, `${version}${kind}`]) if (isModel(models[name])) return name;
  return null;
}

/** Builds trees lazily, one per model name, shared across objects. */
export function builtinFieldTrees(models: ModelIndex): (modelName: string) => FieldTree {
  const cache = new Map<string, FieldTree>();
  const ofType = (type: string, format = ''): FieldTree => {
    const array = /^Array<(.+)>$/.exec(type);
    if (array) return { kind: 'list', item: () => ofType(array[1]!) };
    const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
    if (map) return map[1] === 'any' ? ANY : { kind: 'map', value: () => ofType(map[1]!) };
    if (type === 'any') return ANY;
    if (isModel(models[type])) return tree(type);
    return format ? { kind: 'leaf', format } : LEAF;
  };
  const tree = (name: string): FieldTree => {
    let found = cache.get(name);
    if (!found) {
      const fields = new Map((models[name] as Model).getAttributeTypeMap().map((a) => [a.baseName, a]));
      const names = [...fields.keys()];
      const built = new Map<string, FieldTree>();
      found = {
        kind: 'struct',
        names: () => names,
        field: (field) => {
          const attribute = fields.get(field);
          if (attribute === undefined) return undefined;
          let child = built.get(field);
          if (!child) built.set(field, (child = ofType(attribute.type, attribute.format)));
          return child;
        },
      };
      cache.set(name, found);
    }
    return found;
  };
  return tree;
}
