// Compiled validators of CRD schemas: ajv, compiled once per schema content
// (many CRs share one CRD version, many reviews the same CRD). Patterns run on
// RE2, as in the API server (Go regexp): linear time on hostile input, and a
// pattern RE2 refuses does not compile.
import { RE2JS } from '@bufbuild/re2';
import { Ajv, type ValidateFunction } from 'ajv';
import type { JsonObject } from '../resource.js';
import { customResourceSchema } from './crd-schema.js';

const re2 = Object.assign((pattern: string) => RE2JS.compile(pattern), { code: 'RE2JS.compile' });

const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false, logger: false, code: { regExp: re2 } });

/** Compiled schemas by content; a bound keeps a long-running server from collecting every CRD it ever saw. */
const compiled = new Map<string, ValidateFunction | Error>();
const MAX_COMPILED = 500;

/** The validator of one CRD version's schema, or the reason it does not compile. */
export function crdValidator(openAPIV3Schema: JsonObject): ValidateFunction | Error {
  const key = JSON.stringify(openAPIV3Schema);
  let found = compiled.get(key);
  if (!found) {
    try {
      found = ajv.compile(customResourceSchema(openAPIV3Schema));
    } catch (error) {
      found = error as Error;
    }
    if (compiled.size >= MAX_COMPILED) compiled.delete(compiled.keys().next().value!);
    compiled.set(key, found);
  }
  return found;
}
