// Fitting the comment into a platform's size limit by leaving out whole parts, in
// order: the blast-radius diagram, resource diffs (largest first), then change entries, then (when
// no entry fits) findings rows past the first 25, then target sections, then the rest of the findings
// table; room that findings or target sections leave goes back to entries, diffs, then the diagram. The verdict line and the counts
// are never left out, and a part is either whole or absent, so no code fence or
// <details> is ever cut.
import type { Change, Review } from '../core/model.js';

export const COMMENT_LIMITS = { github: 65_536, gitlab: 1_000_000 } as const;

/** What the renderer leaves out. */
export interface BudgetPlan {
  /** Changes listed without their diff block. */
  omittedDiffs: Set<Change>;
  /** How many changes are listed at all, in review order (the rest are counted). */
  maxChanges: number;
  /** How many target sections are shown. */
  maxTargets: number;
  /** How many findings rows are shown. */
  maxFindings: number;
  /** Whether the blast-radius diagram is shown: it is the first thing to go when space is short. */
  blastRadius: boolean;
}

export interface BudgetParts {
  /** The changes with a diff block, in the order they are listed (a change made in several targets once). */
  changes: Change[];
  render(plan: BudgetPlan): string;
  /** About how many characters a change's diff block adds to the comment (an estimate: it orders and pre-selects; rendering measures). */
  diffSize(change: Change): number;
}

/**
 * The size of a change's diff block, estimated from its field changes without
 * making the text diff: a hunk of context around each changed field, the whole
 * object for a creation or deletion.
 */
export function estimateDiffSize(change: Change): number {
  // A live diff is made already; it is shown with the branch diff and left out with it.
  const live = change.live?.differs ? (change.live.diff?.length ?? 0) : 0;
  if (!change.base || !change.head) return live + Math.round(JSON.stringify((change.head ?? change.base)!.object).length * 1.3);
  return live + change.fields.reduce((n, f) => n + 300 + JSON.stringify(f.before).length + JSON.stringify(f.after).length, 0);
}

/** Findings rows kept before target sections go: a longer table is read in the check run, not the comment. */
const FINDINGS_KEPT = 25;

/** The largest n in [0, max] with fits(n), assuming fits is monotonic and fits(0) may be false. */
function largestFitting(max: number, fits: (n: number) => boolean): number {
  let [low, high] = [0, max];
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (fits(mid)) low = mid;
    else high = mid - 1;
  }
  return low;
}

export function fitToLimit(review: Review, limit: number, parts: BudgetParts): string {
  const changes = parts.changes;
  const plan: BudgetPlan = {
    omittedDiffs: new Set(),
    maxChanges: changes.length,
    maxTargets: review.targets.length,
    maxFindings: review.findings.length,
    blastRadius: true,
  };
  // Diffs, largest first. When the estimate alone is far over the limit, drop before rendering any.
  const sizes = new Map(changes.map((c) => [c, parts.diffSize(c)]));
  const bySize = [...changes].sort((a, b) => sizes.get(b)! - sizes.get(a)!);
  let next = 0;
  let estimate = [...sizes.values()].reduce((a, b) => a + b, 0);
  // Far over the limit, the diagram goes with the first diffs.
  plan.blastRadius = estimate <= limit * 2;
  while (estimate > limit * 2 && next < bySize.length) {
    estimate -= sizes.get(bySize[next]!)!;
    plan.omittedDiffs.add(bySize[next++]!);
  }
  let text = parts.render(plan);
  if (text.length <= limit) return text;
  if (plan.blastRadius) {
    plan.blastRadius = false;
    text = parts.render(plan);
    if (text.length <= limit) return text;
  }

  while (text.length > limit && next < bySize.length) {
    const excess = text.length - limit;
    for (let saved = 0; saved < excess && next < bySize.length; next++) {
      saved += Math.max(1, sizes.get(bySize[next]!)! - 150);
      plan.omittedDiffs.add(bySize[next]!);
    }
    text = parts.render(plan);
  }

  if (text.length <= limit) return text;
  // Then whole entries; when even no entry fits, the findings rows past the first FINDINGS_KEPT; then whole targets, and last
  // the remaining findings rows.
  plan.maxChanges = largestFitting(plan.maxChanges, (n) => parts.render({ ...plan, maxChanges: n }).length <= limit);
  text = parts.render(plan);
  const trimmed = text.length > limit && plan.maxFindings > FINDINGS_KEPT;
  if (trimmed) plan.maxFindings = FINDINGS_KEPT;
  for (const cap of ['maxTargets', 'maxFindings'] as const) {
    if (parts.render(plan).length <= limit) break;
    plan[cap] = largestFitting(plan[cap], (n) => parts.render({ ...plan, [cap]: n }).length <= limit);
  }
  if (trimmed || plan.maxTargets < review.targets.length) {
    // The room findings or targets left goes back to entries, then to diffs, smallest first.
    plan.maxChanges = largestFitting(changes.length, (n) => parts.render({ ...plan, maxChanges: n }).length <= limit);
    const omitted = [...plan.omittedDiffs].sort((a, b) => sizes.get(a)! - sizes.get(b)!);
    const without = (n: number) => new Set(omitted.slice(n));
    plan.omittedDiffs = without(largestFitting(omitted.length, (n) => parts.render({ ...plan, omittedDiffs: without(n) }).length <= limit));
    // Last to the diagram, the first part that went.
    if (!plan.blastRadius && parts.render({ ...plan, blastRadius: true }).length <= limit) plan.blastRadius = true;
  }
  return parts.render(plan);
}
