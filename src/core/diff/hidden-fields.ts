// diff.ignore of the base revision's config: fields a team does not want to
// review (chart labels, checksum annotations, replicas an autoscaler owns),
// left out of the comparison of objects present on both sides. Each entry
// counts the field changes it hid, for the comment's footer.
import { glob } from '../glob.js';
import { apiGroup, type JsonObject, type Resource } from '../resource.js';
import { diffFields } from './fields.js';
import { parseFieldPath, parsePointer, withoutFields, type Step } from './field-patterns.js';

/** One entry of diff.ignore, as the config schema gives it. */
export interface IgnoreEntry {
  group?: string;
  kind?: string;
  name?: string;
  namespace?: string;
  target?: string;
  jsonPointers?: string[];
  fields?: string[];
}

/** What one entry hid in a review. */
export interface IgnoreTally {
  /** Index of the entry in diff.ignore. */
  entry: number;
  /** Field changes left out. */
  fields: number;
  /** Objects with at least one of them. */
  objects: number;
  /** Objects left out entirely: every difference they had was hidden. */
  unchanged: number;
}

interface CompiledEntry {
  entry: number;
  applies(r: Resource): boolean;
  steps: Step[][];
}

/** The patterns of an entry; a message naming the bad one when any is not a pattern. */
export function entryPatterns(entry: IgnoreEntry): Step[][] | string {
  const parsed = [...(entry.jsonPointers ?? []).map(parsePointer), ...(entry.fields ?? []).map(parseFieldPath)];
  const bad = parsed.find((p): p is string => typeof p === 'string');
  return bad ?? (parsed as Step[][]);
}

const matches = (pattern: string | undefined, value: string | null) => pattern === undefined || (value !== null && glob(pattern)(value));

/** The fields hidden in one target, and the tally of what they hid. */
export class HiddenFields {
  private readonly entries: CompiledEntry[];
  private readonly tallies = new Map<number, IgnoreTally>();

  constructor(entries: IgnoreEntry[], target: string) {
    this.entries = entries.flatMap((entry, i) => {
      const steps = entryPatterns(entry);
      if (typeof steps === 'string' || !matches(entry.target, target)) return [];
      const applies = (r: Resource) =>
        matches(entry.group, apiGroup(r.apiVersion)) && matches(entry.kind, r.kind) && matches(entry.name, r.name) && matches(entry.namespace, r.namespace);
      return [{ entry: i, applies, steps }];
    });
  }

  get empty(): boolean {
    return this.entries.length === 0;
  }

  /**
   * Both sides of an object without the hidden fields (the same objects when no
   * entry applies), each applying entry credited with the field changes it took away.
   */
  compare(before: Resource, after: Resource): [JsonObject, JsonObject] {
    const applying = this.entries.filter((e) => e.applies(after) || e.applies(before));
    let pair: [JsonObject, JsonObject] = [before.object, after.object];
    if (!applying.length) return pair;
    let count = diffFields(...pair).length;
    for (const { entry, steps } of applying) {
      const next: [JsonObject, JsonObject] = [steps.reduce(withoutFields, pair[0]), steps.reduce(withoutFields, pair[1])];
      if (next[0] === pair[0] && next[1] === pair[1]) continue;
      const left = diffFields(...next).length;
      if (left < count) {
        const tally = this.tallies.get(entry) ?? { entry, fields: 0, objects: 0, unchanged: 0 };
        tally.fields += count - left;
        tally.objects += 1;
        if (left === 0) tally.unchanged += 1;
        this.tallies.set(entry, tally);
      }
      [pair, count] = [next, left];
    }
    return pair;
  }

  /** The object without every field the entries that apply to it hide. */
  strip(resource: Resource): Resource {
    const steps = this.entries.filter((e) => e.applies(resource)).flatMap((e) => e.steps);
    const object = steps.reduce(withoutFields, resource.object);
    return object === resource.object ? resource : { ...resource, object };
  }

  /** What each entry hid so far, in config order. */
  tally(): IgnoreTally[] {
    return [...this.tallies.values()].sort((a, b) => a.entry - b.entry);
  }
}
