import type { Change, Severity } from '../model.js';
import type { Resource } from '../resource.js';

/** What every rule of the catalog says about itself. */
export interface RuleInfo {
  id: string;
  defaultSeverity: Severity;
  /** One line, shown next to findings. */
  summary: string;
  /** Why it matters and how to fix it (`/safe-deploy explain`, docs/rules.md). */
  explanation: string;
}

/** One breach of a rule, about one object. */
export interface Violation {
  /** The object the finding is about (head side, or base for deletions): gives identity, file and line. */
  resource: Resource;
  message: string;
  /** What on the object the finding is about (a container, an env var…), where one object can have several findings of a rule. */
  subject?: string;
}

export interface RuleContext {
  target: string;
  /** The target's changes, with impacts. */
  changes: Change[];
  /** The full render of each side. */
  base: Resource[];
  head: Resource[];
  /** e.g. "1.31", from the target; rules that need it assume the newest they know when absent. */
  kubernetesVersion?: string;
}

export interface Rule extends RuleInfo {
  check(context: RuleContext): Violation[];
  /**
   * The rule judges objects as they are (through touched()), so a finding may
   * have held before the change; rules without it judge the change itself.
   */
  judgesObjects?: true;
}

const touchedCache = new WeakMap<Change[], Array<{ change: Change; resource: Resource }>>();

/** Objects the change creates or changes, as they will be: what static rules judge. */
export function touched(context: RuleContext): Array<{ change: Change; resource: Resource }> {
  let list = touchedCache.get(context.changes);
  if (!list) touchedCache.set(context.changes, (list = context.changes.flatMap((change) => (change.head ? [{ change, resource: change.head }] : []))));
  return list;
}
