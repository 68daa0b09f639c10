// Impact-based review routing: which of the base config's `reviews:` entries a
// change calls for, and why. Whether someone approved is the platform's to say
// (bot/approvals); this only reads the review.
import { glob } from './glob.js';
import type { Change, Finding, ImpactType, Review, RoutedReview } from './model.js';
import { displayName } from './resource.js';

export interface ReviewRule {
  name?: string;
  when: { impacts?: ImpactType[]; rules?: string[]; kinds?: string[]; namespaces?: string[]; targets?: string[]; paths?: string[] };
  require: string[];
}

/** One thing a rule can match: a changed object with its findings, a finding about no object, or a changed file. */
interface Subject {
  label: string;
  /** None for a changed file. */
  target?: string;
  kind?: string;
  namespace?: string | null;
  file?: string;
  impacts: ImpactType[];
  rules: string[];
}

const MAX_BECAUSE = 5;
// Names and paths come from the merge request: each reason is cut so the comment's
// section stays small whatever they are (it is never trimmed to fit).
const MAX_REASON = 160;

const any = (patterns: string[] | undefined, values: Array<string | null | undefined>) =>
  patterns === undefined || values.some((v) => v != null && patterns.some((p) => glob(p)(v)));

/** An entry with only `paths` asks about files the merge request changes, rendered or not (a values file, the config). */
const onlyPaths = (when: ReviewRule['when']) => Object.keys(when).every((key) => key === 'paths');

function matches(when: ReviewRule['when'], s: Subject): boolean {
  return (
    (when.impacts === undefined || s.impacts.some((i) => when.impacts!.includes(i))) &&
    any(when.rules, s.rules) &&
    any(when.kinds, [s.kind]) &&
    any(when.namespaces, [s.namespace]) &&
    any(when.targets, [s.target]) &&
    any(when.paths, [s.file])
  );
}

const objectKey = (target: string, kind: string | undefined, namespace: string | null | undefined, name: string | undefined) => `${target}\0${kind ?? ''}\0${namespace ?? ''}\0${name ?? ''}`;

function objectSubjects(review: Review): Subject[] {
  // Overridden findings were accepted on record; they call for no review.
  const findings = review.findings.filter((f) => !f.overridden);
  const byObject = new Map<string, Finding[]>();
  for (const f of findings) {
    const key = objectKey(f.target, f.kind, f.namespace, f.name);
    byObject.set(key, [...(byObject.get(key) ?? []), f]);
  }
  const seen = new Set<string>();
  const ofChange = (target: string, c: Change): Subject => {
    const key = objectKey(target, c.kind, c.namespace, c.name);
    seen.add(key);
    return { label: displayName(c), target, kind: c.kind, namespace: c.namespace, file: (c.head ?? c.base)?.source?.file, impacts: c.impacts.map((i) => i.type), rules: (byObject.get(key) ?? []).map((f) => f.rule) };
  };
  const changed = review.targets.flatMap((t) => t.changes.map((c) => ofChange(t.name, c)));
  const alone = findings
    .filter((f) => !seen.has(objectKey(f.target, f.kind, f.namespace, f.name)))
    .map((f) => ({ label: f.kind && f.name ? displayName({ kind: f.kind, namespace: f.namespace ?? null, name: f.name }) : `target ${f.target}`, target: f.target, ...(f.kind ? { kind: f.kind } : {}), namespace: f.namespace ?? null, ...(f.file ? { file: f.file } : {}), impacts: [], rules: [f.rule] }));
  return [...changed, ...alone];
}

/** Why a subject matched, in a few words: "Service shop/web: exposure". */
function reason(when: ReviewRule['when'], s: Subject): string {
  const what = [...(when.impacts ? s.impacts.filter((i) => when.impacts!.includes(i)) : []), ...(when.rules ? s.rules.filter((r) => when.rules!.some((p) => glob(p)(r))) : [])];
  const text = s.target === undefined ? s.label : `${s.label} in ${s.target}${what.length ? `: ${[...new Set(what)].join(', ')}` : ''}`;
  return text.length > MAX_REASON ? `${text.slice(0, MAX_REASON - 1)}…` : text;
}

/** A rule's name as the config gives it, or one made of its conditions. */
export function reviewName(rule: ReviewRule): string {
  if (rule.name) return rule.name;
  return Object.entries(rule.when)
    .map(([key, values]) => `${key} ${(values as string[]).join('|')}`)
    .join(', ');
}

/**
 * The entries of `rules` the review calls for, in config order, each with what called for it.
 * `changedFiles` are the merge request's, from its merge base: `paths` alone matches them.
 */
export function requiredReviews(review: Review, rules: ReviewRule[], changedFiles: string[]): RoutedReview[] {
  const objects = objectSubjects(review);
  const files = changedFiles.map((file): Subject => ({ label: `changed file ${file}`, file, impacts: [], rules: [] }));
  return rules.flatMap((rule) => {
    const hits = (onlyPaths(rule.when) ? files : objects).filter((s) => matches(rule.when, s));
    if (!hits.length) return [];
    const because = hits.slice(0, MAX_BECAUSE).map((s) => reason(rule.when, s));
    if (hits.length > MAX_BECAUSE) because.push(`and ${hits.length - MAX_BECAUSE} more`);
    return [{ name: reviewName(rule), require: [...rule.require], because }];
  });
}
