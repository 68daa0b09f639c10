// API versions the target's Kubernetes version no longer serves, or deprecates.
import lifecycle from '../data/api-lifecycle.json' with { type: 'json' };
import type { Resource } from '../../resource.js';
import { touched, type Rule, type RuleContext, type Violation } from '../rule.js';

interface Lifecycle {
  deprecated: string;
  removed: string | null;
  replacement: string | null;
}

interface LifecycleEntry extends Lifecycle {
  apiVersions: string[];
  /** "*" for every kind of those versions. */
  kinds: string[];
}

// The data file says where it comes from and which versions it covers.
const DATA = lifecycle as { newestVersion: string; entries: LifecycleEntry[] };

/** The newest Kubernetes version the table knows; assumed when a target names none. */
export const NEWEST_KNOWN_VERSION = DATA.newestVersion;

export function lifecycleOf(apiVersion: string, kind: string): Lifecycle | null {
  return DATA.entries.find((e) => e.apiVersions.includes(apiVersion) && (e.kinds.includes('*') || e.kinds.includes(kind))) ?? null;
}

/** Orders "1.31", "v1.31.2": negative when a is older than b. */
export function compareVersions(a: string, b: string): number {
  const parse = (v: string) => v.replace(/^v/, '').split('.').map(Number);
  const [x, y] = [parse(a), parse(b)];
  return (x[0]! - y[0]!) * 1000 + ((x[1] ?? 0) - (y[1] ?? 0));
}

function versionNote(context: RuleContext): string {
  return context.kubernetesVersion ? `Kubernetes ${context.kubernetesVersion}` : `Kubernetes ${NEWEST_KNOWN_VERSION} (the target sets no kubernetesVersion)`;
}

function check(context: RuleContext, stage: 'removed' | 'deprecated'): Violation[] {
  const version = context.kubernetesVersion ?? NEWEST_KNOWN_VERSION;
  return touched(context).flatMap(({ resource }: { resource: Resource }) => {
    const life = lifecycleOf(resource.apiVersion, resource.kind);
    if (!life) return [];
    const removed = life.removed !== null && compareVersions(version, life.removed) >= 0;
    const deprecated = !removed && compareVersions(version, life.deprecated) >= 0;
    if ((stage === 'removed' && !removed) || (stage === 'deprecated' && !deprecated)) return [];
    const use = life.replacement ? `; use ${life.replacement}` : '; it has no replacement';
    const when = stage === 'removed' ? `was removed in Kubernetes ${life.removed}` : `is deprecated since Kubernetes ${life.deprecated}${life.removed ? ` and removed in ${life.removed}` : ''}`;
    return [{ resource, message: `${resource.apiVersion} ${resource.kind} ${when}; checked against ${versionNote(context)}${use}.` }];
  });
}

export const apiRemoved: Rule = {
  id: 'api-removed',
  judgesObjects: true,
  defaultSeverity: 'error',
  summary: "An apiVersion removed in the target's Kubernetes version",
  explanation:
    'The API server of the target Kubernetes version no longer serves this apiVersion: the apply fails. Move the manifest to the ' +
    'replacement apiVersion (kubectl convert helps) and check the fields that changed. Set targets[].kubernetesVersion in ' +
    '.safe-deploy.yml so the check matches the cluster.',
  check: (context) => check(context, 'removed'),
};

export const apiDeprecated: Rule = {
  id: 'api-deprecated',
  judgesObjects: true,
  defaultSeverity: 'warning',
  summary: "An apiVersion deprecated in the target's Kubernetes version",
  explanation:
    'This apiVersion still works on the target Kubernetes version but is deprecated and will be removed: the next cluster upgrade ' +
    'breaks the deploy. Move to the replacement now.',
  check: (context) => check(context, 'deprecated'),
};
