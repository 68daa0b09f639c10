import type { BlockOn, Finding, Review, Severity, TargetResult } from '../model.js';

const SEVERITY_ORDER: Record<Severity, number> = { error: 0, warning: 1, notice: 2 };

/** Whether a finding counts for the verdict: by default only what the change introduces does. */
export function countsForVerdict(finding: Finding, blockOn: BlockOn = 'introduced'): boolean {
  return blockOn === 'all' || finding.introduced;
}

/** Fail exactly when a counting error finding is not overridden, or a target fails to render at head. */
export function verdictOf(targets: TargetResult[], findings: Finding[], blockOn?: BlockOn): Review['verdict'] {
  const blocking = findings.some((f) => f.severity === 'error' && !f.overridden && countsForVerdict(f, blockOn));
  return blocking || targets.some((t) => t.status === 'error') ? 'fail' : 'pass';
}

/** Errors first, then warnings, then notices; stable within a severity. */
export function sortFindings(findings: Finding[]): Finding[] {
  return [...findings].sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity]);
}
