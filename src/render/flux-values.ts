// The data of a ConfigMap or Secret a Flux object reads (substituteFrom, valuesFrom),
// taken from the file of the repository that defines it. Values of a Secret are
// never rendered as they are: they become markers that say which key they are and
// change when the value does, so a prediction shows the change, never the value.
import { createHmac, randomBytes } from 'node:crypto';
import { at } from '../core/pod.js';
import { isObject, str, type JsonObject, type JsonValue } from '../core/resource.js';
import type { ValuesReference } from '../core/target.js';
import type { Snapshot } from '../repo/snapshot.js';
import { readYaml } from '../util/yaml-read.js';

export interface ReferencedData {
  data: Map<string, string>;
  /** The values are a Secret's: render them only as markers. */
  secret: boolean;
}

// One key per process: markers agree between base and head (and cached renders), and cannot be reversed outside it.
const MARKER_KEY = randomBytes(32);

/** What a secret value shows as: its name and a keyed fingerprint of the value. */
export function secretMarker(name: string, value: string): string {
  return `<secret:${name}:${createHmac('sha256', MARKER_KEY).update(value).digest('hex').slice(0, 8)}>`;
}

const isEncrypted = (object: JsonObject) => isObject(object.sops);

/** A Secret's data as the API server stores it: `data` decoded, `stringData` over it. */
function secretData(object: JsonObject): Map<string, string> | null {
  const data = new Map<string, string>();
  for (const [key, value] of Object.entries(isObject(object.data) ? object.data : {})) {
    if (typeof value !== 'string') continue;
    const decoded = Buffer.from(value, 'base64');
    // Not base64: the cluster would refuse the Secret, so its values are unknown.
    if (decoded.toString('base64').replace(/=+$/, '') !== value.replace(/\s/g, '').replace(/=+$/, '')) return null;
    data.set(key, decoded.toString('utf8'));
  }
  for (const [key, value] of Object.entries(isObject(object.stringData) ? object.stringData : {})) if (typeof value === 'string') data.set(key, value);
  return data;
}

const matches = (object: JsonValue, ref: ValuesReference): object is JsonObject =>
  isObject(object) &&
  object.kind === ref.kind &&
  str(at(object, 'metadata', 'name')) === ref.name &&
  (str(at(object, 'metadata', 'namespace')) ?? ref.namespace) === ref.namespace;

/**
 * The data of the object a reference names, from the file the repository defines
 * it in; null when it cannot be known offline (defined nowhere here, SOPS-encrypted,
 * unreadable).
 */
export async function referencedData(snapshot: Snapshot, ref: ValuesReference): Promise<ReferencedData | null> {
  if (!ref.file || !snapshot.files.has(ref.file)) return null;
  let object: JsonObject | undefined;
  try {
    object = (await readYaml(await snapshot.readText(ref.file), ref.file)).map((d) => d.value as JsonValue).find((v): v is JsonObject => matches(v, ref));
  } catch {
    return null;
  }
  if (!object || isEncrypted(object)) return null;
  if (ref.kind === 'ConfigMap') {
    const data = new Map<string, string>();
    for (const [key, value] of Object.entries(isObject(object.data) ? object.data : {})) if (typeof value === 'string') data.set(key, value);
    return { data, secret: false };
  }
  const data = secretData(object);
  return data && { data, secret: true };
}
