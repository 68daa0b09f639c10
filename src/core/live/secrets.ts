// Secret values read from a cluster are replaced by digests the moment they arrive:
// drift and live diffs compare digests, and reports show only "***" / "*** (changed)".
import { createHash } from 'node:crypto';
import { isSecret, LAST_APPLIED } from '../diff/redact.js';
import { isObject, type JsonObject, type JsonValue } from '../resource.js';

const digest = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
const bytesOf = (value: JsonValue | undefined, encoding: 'base64' | 'utf8') => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value ?? null), encoding === 'base64' && typeof value === 'string' ? 'base64' : 'utf8');

/**
 * The object with its secret values digested: a core/v1 Secret's `stringData` merged
 * into `data` as the API server stores it (data decoded from base64 first, so both
 * spellings of one value digest alike), and any last-applied-configuration annotation
 * (which can hold a Secret's data). A copy when anything was digested, else the object.
 */
export function digestSecrets(object: JsonObject): JsonObject {
  const annotations = isObject(object.metadata) && isObject(object.metadata.annotations) ? object.metadata.annotations : undefined;
  const lastApplied = annotations?.[LAST_APPLIED];
  if (!isSecret(object) && lastApplied === undefined) return object;
  const out: JsonObject = { ...object };
  if (lastApplied !== undefined) {
    out.metadata = { ...(object.metadata as JsonObject), annotations: { ...annotations, [LAST_APPLIED]: digest(bytesOf(lastApplied, 'utf8')) } };
  }
  if (isSecret(object)) {
    const data: JsonObject = {};
    if (isObject(object.data)) for (const [key, value] of Object.entries(object.data)) data[key] = digest(bytesOf(value, 'base64'));
    if (isObject(object.stringData)) for (const [key, value] of Object.entries(object.stringData)) data[key] = digest(bytesOf(value, 'utf8'));
    delete out.stringData;
    if (object.data !== undefined || object.stringData !== undefined) out.data = isObject(object.data) || isObject(object.stringData) ? data : digest(bytesOf(object.data ?? object.stringData, 'utf8'));
  }
  return out;
}
