// Fitting the comment into a platform's size limit by dropping whole parts, in
// order: resource diffs (largest first), then per-target change lists, then the
// tail of the findings table. The verdict line and counts are never dropped.
import type { Change, Review, TargetResult } from '../core/model.js';

export const COMMENT_LIMITS = { github: 65_536, gitlab: 1_000_000 } as const;

/** What the renderer leaves out. */
export interface BudgetPlan {
  /** Changes shown without their diff block. */
  omittedDiffs: Set<Change>;
  /** Targets shown as one line of counts. */
  collapsedTargets: Set<TargetResult>;
  /** How many findings rows are shown (the rest are counted). */
  maxFindings: number;
}

export interface BudgetParts {
  render(plan: BudgetPlan): string;
  /** Characters a change's diff block adds to the comment. */
  diffSize(change: Change): number;
  /** Characters a target's change list adds beyond its collapsed line. */
  targetSize(target: TargetResult): number;
}

/** Drops parts, in order of `sizes` (largest first), until the text fits. */
function dropUntilFits<T>(items: T[], size: (item: T) => number, drop: (item: T) => void, overBy: () => number): void {
  const queue = [...items].sort((a, b) => size(b) - size(a));
  let index = 0;
  for (let excess = overBy(); excess > 0 && index < queue.length; excess = overBy()) {
    // Drop enough, by estimate, to cover the excess; the render then measures again.
    let saved = 0;
    while (saved < excess && index < queue.length) {
      const item = queue[index++]!;
      saved += Math.max(0, size(item) - 120);
      drop(item);
    }
  }
}

export function fitToLimit(review: Review, limit: number, parts: BudgetParts): string {
  const plan: BudgetPlan = { omittedDiffs: new Set(), collapsedTargets: new Set(), maxFindings: review.findings.length };
  let text = parts.render(plan);
  const overBy = () => {
    text = parts.render(plan);
    return text.length - limit;
  };
  if (text.length <= limit) return text;
  const changes = review.targets.flatMap((t) => t.changes);
  dropUntilFits(changes, parts.diffSize, (c) => plan.omittedDiffs.add(c), overBy);
  dropUntilFits(review.targets, parts.targetSize, (t) => plan.collapsedTargets.add(t), overBy);
  if (text.length <= limit) return text;
  // The most findings rows that still fit: binary search over the row count.
  let [low, high] = [0, plan.maxFindings - 1];
  while (low < high) {
    plan.maxFindings = Math.ceil((low + high) / 2);
    if (parts.render(plan).length <= limit) low = plan.maxFindings;
    else high = plan.maxFindings - 1;
  }
  plan.maxFindings = low;
  return parts.render(plan);
}
