import type { Resource } from '../core/resource.js';

/** A target's render at one revision. */
export interface Rendered {
  resources: Resource[];
  /** What the render could not settle offline (Flux variables, values of unknown sources), one sentence each. */
  notes: string[];
}
