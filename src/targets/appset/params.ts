// How the ApplicationSet controller turns values into parameters: flattened keys
// (jeremywohl/flatten, dot style), values printed with Go's %v, names sanitized.
import { isObject, type JsonValue } from '../../core/resource.js';

/** Argo CD's SanitizeName: lower case, [^-a-z0-9.] → "-", at most 253 bytes, no leading or trailing "-" or ".". */
export function normalizeName(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^-a-z0-9.]/gu, '-')
    .slice(0, 253)
    .replace(/^[-.]+|[-.]+$/g, '');
}

/** Maps and lists flattened into dotted keys ("a.b", "list.0"); empty ones leave no key. */
export function flatten(value: JsonValue, prefix = ''): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = {};
  const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : isObject(value) ? Object.entries(value) : [];
  for (const [key, child] of entries) {
    const name = prefix ? `${prefix}.${key}` : key;
    if (Array.isArray(child) || isObject(child)) Object.assign(out, flatten(child, name));
    else out[name] = child;
  }
  return out;
}

/** A JSON value as Go's fmt prints it with %v (numbers are float64, as JSON decodes them). */
export function goFormat(value: JsonValue): string {
  if (value === null) return '<nil>';
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'number') {
    if (value === 0) return '0';
    const [mantissa, exp] = value.toExponential().split('e') as [string, string];
    const exponent = Number(exp);
    // %v is %g with the shortest digits: exponent form below 1e-4 and from 1e+06 (precision 6).
    if (exponent < -4 || exponent >= 6) return `${mantissa}e${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(2, '0')}`;
    return String(value);
  }
  return JSON.stringify(value);
}
