import { blastRadius } from '../../src/core/blast-radius.js';
import { diffResources } from '../../src/core/diff/index.js';
import { analyzeImpacts } from '../../src/core/impact.js';
import type { Finding, Review, TargetResult } from '../../src/core/model.js';
import { verdictOf } from '../../src/core/policy/verdict.js';
import type { Resource } from '../../src/core/resource.js';
import { summarize } from '../../src/core/summary.js';

/** A Review of one plain target from base and head objects, as the pipeline would build it. */
export function reviewOf(base: Resource[], head: Resource[], findings: Finding[] = [], extraTargets: TargetResult[] = []): Review {
  const changes = analyzeImpacts(diffResources(base, head), { base, head });
  const target: TargetResult = { name: 'deploy/shop', path: 'deploy/shop', renderer: 'plain', status: 'ok', changes, ...(changes.length ? { blastRadius: blastRadius(changes, head) } : {}) };
  const targets = [target, ...extraTargets];
  return {
    verdict: verdictOf(targets, findings),
    base: 'a'.repeat(40),
    head: 'b'.repeat(40),
    mergeBase: 'a'.repeat(40),
    summary: summarize(targets),
    targets,
    findings,
    tools: [],
  };
}
