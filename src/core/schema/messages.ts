// Validator errors in the API server's words: the dotted path, then what it
// says about that field (field.ErrorList for CRDs, the JSON decoder for
// built-in kinds, whose types are Go structs).
import type { ErrorObject } from 'ajv';
import type { JsonValue } from '../resource.js';
import { dottedPath, pointerSegments, valueAt, type PathSegment } from './path.js';

export type ProblemKind = 'unknown-field' | 'required' | 'enum' | 'type' | 'pattern' | 'range' | 'format' | 'rule' | 'invalid';

export interface SchemaProblem {
  path: string;
  kind: ProblemKind;
  message: string;
  /** An enum value or field the built-in schema does not know, that a newer Kubernetes may. */
  unknownToSchema?: boolean;
}

export interface MessageOptions {
  /** Built-in kinds decode into Go structs: type errors are decoder errors. */
  source: 'builtin' | 'crd';
  /** Values never to quote (a Secret's data). */
  hidden: (segments: readonly PathSegment[]) => boolean;
  /** The declared format of a field (int32, int64), for the decoder's words. */
  formatAt?: (segments: readonly PathSegment[]) => string | undefined;
}

/** The JSON type of a value as the API server names it. */
export function typeName(value: JsonValue | undefined): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

/** The JSON decoder's name for a value's type. */
function decoderTypeName(value: JsonValue | undefined): string {
  const name = typeName(value);
  return name === 'integer' ? 'number' : name === 'boolean' ? 'bool' : name;
}

const GO_TYPES: Record<string, string> = { integer: 'int64', number: 'float64', boolean: 'bool', string: 'string', object: 'object', array: 'list' };

function goType(types: string, format: string | undefined): string {
  if (types.includes('integer') && types.includes('string')) return 'int-or-string';
  if (types === 'integer' && (format === 'int32' || format === 'int64')) return format;
  return GO_TYPES[types] ?? types;
}

const article = (word: string) => (/^[aeiou]/.test(word) ? `an ${word}` : `a ${word}`);

function quote(value: JsonValue | undefined, hidden: boolean): string {
  if (hidden) return '(value hidden)';
  const text = typeof value === 'string' ? JSON.stringify(value) : typeof value === 'object' && value !== null ? typeName(value) : String(value);
  return text.length > 80 ? `${text.slice(0, 77)}…` : text;
}

/** Errors the alternatives of oneOf/anyOf raise on their way to the one error that matters. */
function alternatives(errors: readonly ErrorObject[]): Set<ErrorObject> {
  const combined = new Set(errors.filter((e) => e.keyword === 'oneOf' || e.keyword === 'anyOf').map((e) => e.instancePath));
  return new Set(errors.filter((e) => e.keyword !== 'oneOf' && e.keyword !== 'anyOf' && (combined.has(e.instancePath) || /\/(oneOf|anyOf)\//.test(e.schemaPath))));
}

export function describeErrors(errors: readonly ErrorObject[], root: JsonValue, options: MessageOptions): SchemaProblem[] {
  const skipped = alternatives(errors);
  const problems: SchemaProblem[] = [];
  const seen = new Set<string>();
  for (const error of errors) {
    if (skipped.has(error)) continue;
    const segments = pointerSegments(error.instancePath, root);
    const problem = describe(error, segments, root, options);
    if (!problem) continue;
    const key = `${problem.path}\0${problem.message}`;
    if (!seen.has(key)) problems.push(problem);
    seen.add(key);
  }
  return problems;
}

function describe(error: ErrorObject, segments: PathSegment[], root: JsonValue, options: MessageOptions): SchemaProblem | null {
  const path = dottedPath(segments);
  const value = valueAt(root, segments);
  const hidden = options.hidden(segments);
  const shown = quote(value, hidden);
  const params = error.params as Record<string, unknown>;
  const inBody = `${path} in body`;
  switch (error.keyword) {
    case 'required': {
      const field = dottedPath([...segments, String(params.missingProperty)]);
      return { path: field, kind: 'required', message: `${field}: Required value` };
    }
    case 'enum': {
      const allowed = (params.allowedValues as JsonValue[]).filter((v) => v !== null).map((v) => JSON.stringify(v));
      return { path, kind: 'enum', message: `${path}: Unsupported value: ${shown}: supported values: ${allowed.join(', ')}`, ...(options.source === 'builtin' ? { unknownToSchema: true } : {}) };
    }
    case 'type':
    case 'oneOf':
    case 'anyOf': {
      // The API server reads null as "not set" on built-in fields.
      if (value === null && options.source === 'builtin') return null;
      const expected = error.keyword === 'type' ? String(params.type).replace(/,?null/, '').replace(',', ' or ') : 'int-or-string';
      if (options.source === 'builtin') {
        const format = options.formatAt?.(segments);
        return { path, kind: 'type', message: `${path}: cannot unmarshal ${decoderTypeName(value)} into ${article(goType(expected.replace(' or ', ''), format))} field` };
      }
      return { path, kind: 'type', message: `${path}: Invalid value: "${typeName(value)}": ${inBody} must be of type ${expected}: "${typeName(value)}"` };
    }
    case 'pattern':
      return { path, kind: 'pattern', message: `${path}: Invalid value: ${shown}: ${inBody} should match '${String(params.pattern)}'` };
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum': {
      const side = error.keyword.toLowerCase().includes('min') ? 'greater than' : 'less than';
      const bound = error.keyword.startsWith('exclusive') ? `${side} ${String(params.limit)}` : `${side} or equal to ${String(params.limit)}`;
      return { path, kind: 'range', message: `${path}: Invalid value: ${shown}: ${inBody} should be ${bound}` };
    }
    case 'minLength':
    case 'maxLength':
      return { path, kind: 'range', message: `${path}: Invalid value: ${shown}: ${inBody} should be at ${error.keyword === 'minLength' ? 'least' : 'most'} ${String(params.limit)} chars long` };
    case 'minItems':
    case 'maxItems':
      return { path, kind: 'range', message: `${path}: Too ${error.keyword === 'minItems' ? 'few' : 'many'} items: must have at ${error.keyword === 'minItems' ? 'least' : 'most'} ${String(params.limit)} items` };
    case 'format':
      if (params.format === 'int32' || params.format === 'int64') return { path, kind: 'type', message: `${path}: cannot unmarshal number ${shown} into ${article(String(params.format))} field` };
      if (params.format === 'byte') return { path, kind: 'format', message: `${path}: illegal base64 data` };
      if (params.format === 'quantity') return { path, kind: 'format', message: `${path}: Invalid value: ${shown}: quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'` };
      return { path, kind: 'format', message: `${path}: Invalid value: ${shown}: must be a valid ${String(params.format)}` };
    default:
      return { path, kind: 'invalid', message: `${path}: Invalid value: ${shown}: ${error.message ?? error.keyword}` };
  }
}
