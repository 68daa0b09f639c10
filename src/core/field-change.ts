import type { JsonValue } from './resource.js';

/** One field that differs between base and head. */
export interface FieldChange {
  /** e.g. spec.template.spec.containers[name=web].image */
  path: string;
  /** null when the field is absent on that side. */
  before: JsonValue;
  after: JsonValue;
  /** The keyed items of the list at `path` come in another order (before/after list their keys). */
  reordered?: true;
}
