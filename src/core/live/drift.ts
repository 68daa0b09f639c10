// Drift: fields the base render sets whose live value differs, who changed them, and
// what merging does to them.
import { isSecret, LAST_APPLIED, REDACTED, REDACTED_CHANGED } from '../diff/redact.js';
import { deepEqual } from '../diff/fields.js';
import { apiGroup, isObject, type JsonObject, type JsonValue } from '../resource.js';
import { ownersOf, type FieldOwner } from './managed-fields.js';
import type { Deployer, DriftField, ObjectRef } from './model.js';
import { digestSecrets } from './secrets.js';
import { setFieldDifferences, valueAt, type Step } from './set-fields.js';

/** What scales a workload: a HorizontalPodAutoscaler or KEDA ScaledObject and the object it targets. */
export interface Scaler {
  kind: string;
  name: string;
  target: ObjectRef;
}

export interface DriftInput {
  /** The base render's object (normalized). */
  base: JsonObject;
  /** The live object, its secret values digested. */
  live: JsonObject;
  /** The head render's object (normalized), null when the head drops it. */
  head: JsonObject | null;
  deployer: Deployer;
  scalers: Scaler[];
}

// Field managers of people and their tools, rather than of a controller.
const HUMAN_MANAGERS = /^(kubectl(-.*)?|Mozilla|k9s|Lens|OpenLens|kubernetes-dashboard|before-first-apply)$/;
const MAX_VALUE_CHARS = 80;

function shown(value: JsonValue | undefined): string {
  if (value === undefined || value === null) return '(unset)';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > MAX_VALUE_CHARS ? `${text.slice(0, MAX_VALUE_CHARS - 1)}…` : text;
}

/** A Secret's data or a last-applied annotation: compared by digest, never shown. */
function secretPath(object: JsonObject, steps: Step[]): boolean {
  const first = steps[0];
  if (first && 'field' in first && (first.field === 'data' || first.field === 'stringData') && isSecret(object)) return true;
  const last = steps[2];
  return steps.length >= 3 && last !== undefined && 'field' in last && last.field === LAST_APPLIED;
}

/** The live values along a path, for matching list items in managedFields. */
function liveItems(live: JsonObject, steps: Step[]): Array<JsonValue | undefined> {
  return steps.map((_, i) => valueAt(live, steps.slice(0, i + 1)));
}

function scalerOf(input: DriftInput, path: string): Scaler | undefined {
  if (path !== 'spec.replicas') return undefined;
  const { live } = input;
  const meta = isObject(live.metadata) ? live.metadata : {};
  return input.scalers.find(
    (s) =>
      s.target.kind === live.kind &&
      apiGroup(s.target.apiVersion) === apiGroup(String(live.apiVersion)) &&
      s.target.name === meta.name &&
      (s.target.namespace ?? null) === ((meta.namespace as string | undefined) ?? null),
  );
}

/** The owner of the live value that is not the deployer, if any. */
function foreignOwner(owners: Iterable<FieldOwner>, deployer: Deployer): FieldOwner | undefined {
  for (const owner of owners) if (owner.manager !== deployer.fieldManager) return owner;
  return undefined;
}

/** What merging does to the field, after the dash of the message. */
function consequence(base: string, head: JsonValue | undefined, secret: boolean, sameAsBase: boolean): string {
  if (head === undefined || head === null) return 'the head no longer sets it';
  if (sameAsBase) return secret ? 'merging will set it back' : `merging will set it back to ${base}`;
  return secret ? 'merging will set it anew' : `merging will set it to ${shown(head)}`;
}

/** The fields of `input.base` that the cluster holds differently, in order of the object. */
export function driftOf(input: DriftInput): DriftField[] {
  const base = digestSecrets(input.base);
  const head = input.head && digestSecrets(input.head);
  const { live, deployer } = input;
  return setFieldDifferences(base, live).flatMap((difference): DriftField[] => {
    const { path, steps } = difference;
    if (steps.length >= 3 && 'field' in steps[2]! && steps[2].field === LAST_APPLIED) return [];
    const secret = secretPath(base, steps);
    const headValue = head ? valueAt(head, steps) : undefined;
    const sameAsBase = headValue !== undefined && deepEqual(headValue, difference.set);
    const [baseShown, liveShown] = secret ? [REDACTED, difference.other === null ? '(unset)' : REDACTED_CHANGED] : [shown(difference.set), shown(difference.other)];
    const headOut: JsonValue = headValue === undefined ? null : secret ? (sameAsBase ? REDACTED : REDACTED_CHANGED) : headValue;
    const owner = foreignOwner(ownersOf(live, steps, liveItems(live, steps)), deployer);
    const scaler = scalerOf(input, path);
    const field: DriftField = {
      path,
      base: secret ? REDACTED : difference.set,
      live: secret ? (difference.other === null ? null : REDACTED_CHANGED) : difference.other,
      head: headOut,
      message: '',
    };
    if (owner) field.manager = owner.manager;
    if (scaler) field.owner = `${scaler.kind} ${scaler.name}`;
    const otherName = field.owner ?? (owner && !HUMAN_MANAGERS.test(owner.manager) ? owner.manager : undefined);
    const after = consequence(baseShown, headValue, secret, sameAsBase);
    if (otherName !== undefined && headValue !== undefined && headValue !== null) {
      const fight = deployer.force ? `each sync sets it back and ${otherName} changes it again` : `the apply conflicts with ${otherName} (not forced)`;
      field.message = `owned by another manager: ${otherName} (${path} ${liveShown}; the base sets ${baseShown}) — ${fight}`;
    } else if (otherName !== undefined) {
      field.message = `owned by another manager: ${otherName} (${path} ${liveShown}; the base sets ${baseShown}) — ${after}`;
    } else {
      field.message = `changed in the cluster by hand: ${path} ${baseShown} → ${liveShown} — ${after}`;
    }
    return [field];
  });
}
