// One object against the schema the API server would use for it: a built-in
// kind's (Kubernetes 1.33, from the packages the loader brings) or the CRD a
// render of the review declares. Pure: the loader hands the packages in.
import type { ErrorObject } from 'ajv';
import { isObject, type JsonObject, type Resource } from '../resource.js';
import { crdKey } from './crds.js';
import { customResourceFieldTree } from './crd-schema.js';
import { celRuleProblems } from './crd-rules.js';
import { crdValidator } from './crd-validator.js';
import { nodeAt, unknownFields, type FieldTree } from './field-tree.js';
import { describeErrors, type MessageOptions, type SchemaProblem } from './messages.js';
import type { PathSegment } from './path.js';

/** The Kubernetes version the built-in schemas are. */
export const SCHEMA_VERSION = '1.33';

/** What the packages know of the built-in kinds. */
export interface BuiltinSchemas {
  /** The errors of an object of a built-in kind; null when the package has no validator for it. */
  validate(apiVersion: string, kind: string, object: JsonObject): ErrorObject[] | null;
  /** The fields a built-in kind declares; null when the client models lack it. */
  fields(apiVersion: string, kind: string): FieldTree | null;
  /** The API server's ObjectMeta, the metadata of every custom resource. */
  objectMeta: FieldTree;
  /** The errors of an ObjectMeta, with paths that start at /metadata. */
  validateMetadata(metadata: JsonObject): ErrorObject[];
  /** Whether the API group is Kubernetes' own (its objects have no CRD). */
  builtinGroup(apiVersion: string): boolean;
}

export type SchemaOutcome = { problems: SchemaProblem[] } | { notValidated: string };

const SECRET_VALUES = new Set(['data', 'stringData']);

/** A Secret's values are never quoted, whatever is wrong with them. */
function hiddenIn(resource: Resource): (segments: readonly PathSegment[]) => boolean {
  return resource.kind === 'Secret' && resource.apiVersion === 'v1' ? (segments) => SECRET_VALUES.has(String(segments[0])) : () => false;
}

/**
 * Fields the tree does not declare; `builtin` when a newer Kubernetes than the
 * schema's may declare them, unless it is a typo or may be one.
 */
function unknownFieldProblems(object: JsonObject, tree: FieldTree, builtin: boolean): SchemaProblem[] {
  return unknownFields(object, tree).map(({ path, suggestion, unsearched }) => ({
    path,
    kind: 'unknown-field',
    message: `unknown field "${path}"${suggestion ? `; did you mean "${suggestion}"?` : ''}`,
    ...(builtin && !suggestion && !unsearched ? { unknownToSchema: true } : {}),
  }));
}

export function validateResource(resource: Resource, builtins: BuiltinSchemas, crds: ReadonlyMap<string, JsonObject>): SchemaOutcome {
  const { apiVersion, kind, object } = resource;
  const hidden = hiddenIn(resource);
  const errors = builtins.validate(apiVersion, kind, object);
  if (errors) {
    const tree = builtins.fields(apiVersion, kind);
    const options: MessageOptions = { source: 'builtin', hidden, ...(tree ? { formatAt: (s: readonly PathSegment[]) => formatOf(tree, s) } : {}) };
    return { problems: [...(tree ? unknownFieldProblems(object, tree, true) : []), ...describeErrors(errors, object, options)] };
  }
  const schema = crds.get(crdKey(apiVersion, kind));
  if (!schema) {
    const why = builtins.builtinGroup(apiVersion) ? `not in the Kubernetes ${SCHEMA_VERSION} schema` : 'its CustomResourceDefinition is in no render of this review';
    return { notValidated: `${apiVersion} ${kind} (${why})` };
  }
  const validator = crdValidator(schema);
  if (validator instanceof Error) return { notValidated: `${apiVersion} ${kind} (its CustomResourceDefinition's schema does not compile: ${validator.message})` };
  validator(object);
  const metadata = isObject(object.metadata) ? builtins.validateMetadata(object.metadata) : [];
  const metaFormat = (s: readonly PathSegment[]) => (s[0] === 'metadata' ? formatOf(builtins.objectMeta, s.slice(1)) : undefined);
  return {
    problems: [
      ...unknownFieldProblems(object, customResourceFieldTree(schema, builtins.objectMeta), false),
      ...describeErrors(metadata, object, { source: 'builtin', hidden, formatAt: metaFormat }),
      ...describeErrors(validator.errors ?? [], object, { source: 'crd', hidden }),
      ...celRuleProblems(object, schema),
    ],
  };
}

function formatOf(tree: FieldTree, segments: readonly PathSegment[]): string | undefined {
  const node = nodeAt(tree, segments);
  return node?.kind === 'leaf' ? node.format : undefined;
}
