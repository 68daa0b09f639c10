// Audited overrides: a rule (optionally on one object) accepted for one head
// commit, by someone allowed to, with a reason. Pure: applied to a review.
import type { Finding, Review } from '../model.js';
import { verdictOf } from './verdict.js';

export interface Override {
  rule: string;
  /** "Kind/name" to limit the override to one object; absent for every finding of the rule. */
  resource?: string;
  /** The head commit it was given for: a new push clears it. */
  sha: string;
  by: string;
  reason: string;
  at: string;
}

export function overrideCovers(override: Override, finding: Finding): boolean {
  if (override.rule !== finding.rule) return false;
  if (!override.resource) return true;
  const [kind, name] = override.resource.split('/', 2);
  return finding.kind?.toLowerCase() === kind?.toLowerCase() && finding.name === name;
}

/** The review with the findings these overrides cover marked overridden, and the verdict recomputed. */
export function applyOverrides(review: Review, overrides: Override[]): Review {
  if (overrides.length === 0) return review;
  const findings = review.findings.map((f) => (!f.overridden && f.rule !== 'render-failed' && overrides.some((o) => overrideCovers(o, f)) ? { ...f, overridden: true } : f));
  return { ...review, findings, verdict: verdictOf(review.targets, findings, review.blockOn), overrides };
}
