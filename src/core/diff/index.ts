import type { Change } from '../model.js';
import type { Resource } from '../resource.js';
import { deepEqual, diffFields } from './fields.js';
import { parseFieldPath, withFieldValue } from './field-patterns.js';
import type { HiddenFields } from './hidden-fields.js';
import { immutableChanges } from './immutable.js';
import { normalize } from './normalize.js';
import { pairResources } from './pair.js';
import { withoutPointers } from './pointers.js';
import { redactPair } from './redact.js';
import { alignTo, toYaml, unifiedDiff } from './text.js';

/** Fields left out of the comparison of an object that exists on both sides (Argo CD ignoreDifferences). */
export interface IgnoredFields {
  /** JSON pointers not compared for this object. */
  pointers(resource: Resource): string[];
  /** RespectIgnoreDifferences=true: the sync leaves those fields alone too; otherwise it writes them whenever the object syncs. */
  respected: boolean;
  /** Told of each object whose only differences are ignored ones. */
  hidden(resource: Resource): void;
}

/**
 * The predicted changes between a target's base and head objects: only changed
 * objects, each with its redacted field changes and text diff. A change to a
 * field the API server refuses to update makes the change a replace. Impacts
 * are added later by core/impact. Fields `hidden` names (diff.ignore) are left
 * out of the comparison; the change still holds both objects whole, so rules
 * and schemas judge what is deployed.
 */
export function diffResources(base: Resource[], head: Resource[], ignored?: IgnoredFields, hidden?: HiddenFields): Change[] {
  const changes: Change[] = [];
  for (const pair of pairResources(base, head)) {
    let before = pair.base && { ...pair.base, object: normalize(pair.base) };
    let after = pair.head && { ...pair.head, object: normalize(pair.head) };
    const moved = before !== null && after !== null && before.namespace !== after.namespace;
    // A new name or namespace makes a new object: the pair is a replace, whatever its fields.
    const renamed = (before !== null && after !== null && before.name !== after.name) || moved;
    const pointers = ignored && before && after && !renamed ? ignored.pointers(after) : [];
    if (pointers.length) {
      const [kept, wanted] = [withoutPointers(before!.object, pointers), withoutPointers(after!.object, pointers)];
      if (deepEqual(kept, wanted)) {
        ignored!.hidden(after!);
        continue;
      }
      if (ignored!.respected) [before, after] = [{ ...before!, object: kept }, { ...after!, object: wanted }];
    }
    const [compareBefore, compareAfter] = before && after && hidden && !hidden.empty ? hidden.compare(before, after) : [before?.object ?? null, after?.object ?? null];
    const [redactedBefore, redactedAfter] = redactPair(compareBefore, compareAfter);
    // Nothing redacted (the common case): the field diff of the objects themselves also tells whether they differ.
    const plain = redactedBefore === compareBefore && redactedAfter === compareAfter;
    if (before && after && !renamed && !plain && deepEqual(compareBefore, compareAfter)) continue;
    const fields = redactedBefore && redactedAfter ? diffFields(redactedBefore, redactedAfter) : [];
    // Only reordered keys or keyed list items: no change (the text diff aligns them away too).
    if (before && after && !renamed && fields.length === 0) continue;
    const subject = (after ?? before)!;
    const immutable = before && after && !renamed ? immutableChanges(subject.apiVersion, subject.kind, fields, compareBefore!, compareAfter!) : [];
    const label = `${subject.kind}/${subject.namespace ? `${subject.namespace}/` : ''}${subject.name}`;
    // The text diff is the costly part; a big review shows few of them, so each is made on first use.
    let diff: string | undefined;
    const textDiff = (after = redactedAfter, shown = fields) => {
      const beforeYaml = redactedBefore && toYaml(redactedBefore);
      const afterYaml = after && toYaml(redactedBefore ? (alignTo(redactedBefore, after) as typeof after) : after);
      return unifiedDiff(label, beforeYaml, afterYaml, () => shown.map((f) => f.path));
    };
    changes.push({
      action: !before ? 'create' : !after ? 'delete' : renamed || immutable.length ? 'replace' : 'update',
      apiVersion: subject.apiVersion,
      kind: subject.kind,
      namespace: subject.namespace,
      name: subject.name,
      ...(renamed || immutable.length ? { previousName: before!.name } : {}),
      ...(moved ? { previousNamespace: before!.namespace! } : {}),
      ...(immutable.length ? { immutableFields: immutable } : {}),
      fields,
      get diff() {
        return (diff ??= textDiff());
      },
      diffExcept(paths) {
        if (!redactedBefore || !redactedAfter) return this.diff;
        const left = fields.filter((f) => !paths.has(f.path));
        // Each field left out takes its base value back, so the text diff shows only the rest.
        const after = fields.filter((f) => paths.has(f.path)).reduce((object, f) => {
          const steps = parseFieldPath(f.path);
          return typeof steps === 'string' ? object : withFieldValue(object, steps, f.before === null ? undefined : f.before);
        }, redactedAfter);
        return textDiff(after, left);
      },
      impacts: [],
      base: before,
      head: after,
    });
  }
  return changes;
}
