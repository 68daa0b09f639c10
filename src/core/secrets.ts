// Secret values known to a review, and their removal from free text (render
// errors, finding and impact messages). Diffs redact secret fields by place
// (diff/redact.ts); text has no places, and a renderer's error may echo any
// input, so there the known values themselves are looked for.
import { isSecret, LAST_APPLIED, REDACTED } from './diff/redact.js';
import { isObject, type JsonObject, type JsonValue } from './resource.js';

/** Shorter values are not looked for: they would hit ordinary words, and hide little. */
const MIN_SECRET_LENGTH = 4;

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** The text a base64 `data` value stands for, when it is text. */
function decoded(value: string): string | null {
  if (!BASE64.test(value)) return null;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(value, 'base64'));
  } catch {
    return null;
  }
}

/** Every scalar in a value (a map's values, a list's items, or the value itself), as text. */
function scalars(value: JsonValue | undefined): string[] {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) return value.flatMap(scalars);
  if (isObject(value)) return Object.values(value).flatMap(scalars);
  return [String(value)];
}

/** A value and its other spelling: decoded for `data`, base64-encoded for `stringData` (as the cluster stores it). */
function spellings(value: string, encoded: boolean): string[] {
  const other = encoded ? decoded(value) : Buffer.from(value).toString('base64');
  return other === null ? [value] : [value, other];
}

/** The secret values an object holds: a Secret's `data` and `stringData` (whatever their shape), and any last-applied configuration. */
export function secretValuesOf(object: JsonObject): string[] {
  const values: string[] = [];
  if (isSecret(object)) {
    for (const value of scalars(object.data)) values.push(...spellings(value, true));
    for (const value of scalars(object.stringData)) values.push(...spellings(value, false));
  }
  const annotations = isObject(object.metadata) && isObject(object.metadata.annotations) ? object.metadata.annotations : {};
  const applied = annotations[LAST_APPLIED];
  if (typeof applied === 'string') {
    values.push(applied);
    try {
      const previous = JSON.parse(applied) as JsonValue;
      if (isObject(previous)) values.push(...secretValuesOf(previous));
    } catch {
      // Not JSON: the whole annotation is the value.
    }
  }
  return values;
}

/** A function that replaces every occurrence of the given values in a text by "***" (longest first, so no part of one survives). */
export function secretScrubber(values: Iterable<string>): (text: string) => string {
  const known = [...new Set([...values].map((v) => v.trim()).filter((v) => v.length >= MIN_SECRET_LENGTH))].sort((a, b) => b.length - a.length);
  if (known.length === 0) return (text) => text;
  return (text) => known.reduce((scrubbed, value) => (scrubbed.includes(value) ? scrubbed.split(value).join(REDACTED) : scrubbed), text);
}
