// diff.ignore may quiet findings about the fields it hides, but never invent
// one and never hide a finding of severity error: the review judges the change
// twice, with and without the hidden fields, and compares.
import type { Finding } from '../model.js';

const identity = (f: Finding) => `${f.rule}\0${f.target}\0${f.apiVersion ?? ''}\0${f.kind ?? ''}\0${f.namespace ?? ''}\0${f.name ?? ''}`;

/** Counts of each identity, so two findings of one rule on one object (two containers) stay two. */
function counted(findings: Finding[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const f of findings) counts.set(identity(f), (counts.get(identity(f)) ?? 0) + 1);
  return counts;
}

export interface GuardedFindings {
  /** The findings of the judgement without the hidden fields that also hold with them. */
  findings: Finding[];
  /** Error findings that hold on the whole change and that the hidden fields took away. */
  hidden: Finding[];
}

/** `quiet`: findings with the hidden fields left out; `whole`: findings of the whole change. */
export function guardHidden(quiet: Finding[], whole: Finding[]): GuardedFindings {
  const wholeCounts = counted(whole);
  const findings = quiet.filter((f) => {
    const left = wholeCounts.get(identity(f)) ?? 0;
    if (left > 0) wholeCounts.set(identity(f), left - 1);
    return left > 0;
  });
  const quietCounts = counted(findings);
  const hidden = whole.filter((f) => {
    if (f.severity !== 'error') return false;
    const left = quietCounts.get(identity(f)) ?? 0;
    if (left > 0) quietCounts.set(identity(f), left - 1);
    return left === 0;
  });
  return { findings, hidden };
}
