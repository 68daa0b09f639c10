// Runs the catalog on a target and applies the base revision's settings:
// per-rule severity or off, excludes, and the per-object ignore annotation.
// Rules that judge objects run on both sides, so a finding that already held
// before the change is told apart as inherited.
import { glob } from '../glob.js';
import type { Change, Finding, Severity } from '../model.js';
import { isObject, type Resource } from '../resource.js';
import { CATALOG } from './catalog.js';
import type { RuleContext, Violation } from './rule.js';

export const IGNORE_ANNOTATION = 'safe-deploy.dev/ignore';

export interface Exclusion {
  rule?: string;
  namespace?: string;
  kind?: string;
  target?: string;
  /** A glob on the finding's file. */
  path?: string;
}

export interface PolicySettings {
  rules: Record<string, Severity | 'off'>;
  exclude: Exclusion[];
}

function excluded(finding: Finding, exclusions: Exclusion[]): boolean {
  const field = (pattern: string | undefined, value: string | null | undefined) => pattern === undefined || (value != null && glob(pattern)(value));
  return exclusions.some(
    (x) =>
      field(x.rule, finding.rule) &&
      field(x.namespace, finding.namespace) &&
      field(x.kind, finding.kind) &&
      field(x.target, finding.target) &&
      field(x.path, finding.file),
  );
}

/** The rules an object's annotation asks to ignore. */
function ignoredRules(resource: Resource): Set<string> {
  const metadata = resource.object.metadata;
  const value = isObject(metadata) && isObject(metadata.annotations) ? metadata.annotations[IGNORE_ANNOTATION] : undefined;
  return new Set(typeof value === 'string' ? value.split(',').map((s) => s.trim()).filter(Boolean) : []);
}

function toFinding(rule: string, severity: Severity, target: string, v: Violation): Finding {
  const { resource } = v;
  const ignored = ignoredRules(resource).has(rule);
  return {
    rule,
    severity: ignored ? 'notice' : severity,
    target,
    apiVersion: resource.apiVersion,
    kind: resource.kind,
    namespace: resource.namespace,
    name: resource.name,
    message: ignored ? `${v.message} (downgraded to a notice by the ${IGNORE_ANNOTATION} annotation; was ${severity})` : v.message,
    ...(resource.source?.file ? { file: resource.source.file } : {}),
    ...(resource.source?.line ? { line: resource.source.line } : {}),
    overridden: false,
    introduced: true,
  };
}

/**
 * A violation as the settings of the base revision have it: its rule's
 * configured severity (or off), the ignore annotation, the excludes.
 */
export function settle(rule: string, severity: Severity, target: string, violation: Violation, settings: PolicySettings): Finding | null {
  const configured = settings.rules[rule] ?? severity;
  if (configured === 'off') return null;
  const finding = toFinding(rule, configured, target, violation);
  return excluded(finding, settings.exclude) ? null : finding;
}

export interface PolicyOutcome {
  findings: Finding[];
  /** Findings that held at base on a changed object and no longer hold at head. */
  resolved: number;
}

/** The changed objects as they were: each change that keeps its object, with the base side in the head's place. */
export function asBefore(changes: Change[]): Change[] {
  return changes.flatMap((c) => (c.base && c.head ? [{ ...c, head: c.base }] : []));
}

/**
 * A finding's identity across the two sides: its rule, its object's change
 * (one change joins a renamed or moved object's two sides) and its subject.
 */
export function identityAcrossSides(changes: Change[]): (rule: string, violation: Violation) => string {
  const changeOf = new Map<Resource, number>();
  changes.forEach((c, i) => [c.base, c.head].forEach((r) => r && changeOf.set(r, i)));
  return (rule, v) => `${rule}\0${changeOf.get(v.resource) ?? -1}\0${v.subject ?? ''}`;
}

/**
 * The findings of `now` (the head's violations), each marked inherited when a
 * violation of the same identity held at base, and the count of base
 * violations the change fixes.
 */
export function compareSides<V extends Violation>(now: V[], held: V[], identity: (v: V) => string, settled: (v: V) => Finding | null): PolicyOutcome {
  const heldKeys = held.map(identity);
  const nowKeys = now.map(identity);
  const wasHeld = new Set(heldKeys);
  const still = new Set(nowKeys);
  const findings = now.flatMap((v, i) => {
    const finding = settled(v);
    if (!finding) return [];
    return [wasHeld.has(nowKeys[i]!) ? { ...finding, introduced: false } : finding];
  });
  const resolved = heldKeys.filter((key, i) => !still.has(key) && settled(held[i]!) !== null).length;
  return { findings, resolved };
}

/** Findings of every enabled rule on one target, each introduced by the change or inherited from base. */
export function evaluatePolicies(context: RuleContext, settings: PolicySettings): PolicyOutcome {
  const identity = identityAcrossSides(context.changes);
  const before: RuleContext = { ...context, changes: asBefore(context.changes) };
  const findings: Finding[] = [];
  let resolved = 0;
  for (const rule of CATALOG) {
    if (settings.rules[rule.id] === 'off') continue;
    const outcome = compareSides(
      rule.check(context),
      rule.judgesObjects ? rule.check(before) : [],
      (v) => identity(rule.id, v),
      (v) => settle(rule.id, rule.defaultSeverity, context.target, v, settings),
    );
    findings.push(...outcome.findings);
    resolved += outcome.resolved;
  }
  return { findings, resolved };
}
