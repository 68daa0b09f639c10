// The findings of live mode: what the cluster's API server refuses, and a cluster that could not be asked.
import type { Finding, Severity } from '../model.js';
import type { Resource } from '../resource.js';
import type { Rule } from './rule.js';

export const clusterRejected: Rule = {
  id: 'cluster-rejected',
  defaultSeverity: 'error',
  summary: "The cluster's API server refuses the object",
  explanation:
    "Live mode sent the head object to the target's cluster as a server-side apply dry-run (dryRun=All: nothing is " +
    'stored), as the controller that deploys it would apply it, and the API server refused it: a validating admission ' +
    'webhook or ValidatingAdmissionPolicy of the cluster, a ResourceQuota, an immutable field, a field conflict with ' +
    "another manager, or the cluster's own schema. The sync would fail the same way. The message is the API server's; " +
    'fix the object, or the cluster, and push again.',
  // Live mode reports it from the dry-run.
  check: () => [],
};

export const liveUnavailable: Rule = {
  id: 'live-unavailable',
  defaultSeverity: 'error',
  summary: 'A cluster that live mode must ask could not be asked',
  explanation:
    'The config sets `live.required: true`, and the cluster mapped to this target was unreachable, too slow, or ' +
    'refused the reads (RBAC), so the live part of the review is missing. Without `live.required` the review ' +
    'completes from the branch alone and only notes it. Check the cluster, its kubeconfig and the RBAC in ' +
    'docs/live.md, then `/safe-deploy rerun`.',
  check: () => [],
};

/** The API server refused `head` (the head render's object) in the dry-run. */
export function clusterRejectedFinding(target: string, cluster: string, head: Resource, message: string, severity: Severity): Finding {
  const id = `${head.kind} ${head.namespace ? `${head.namespace}/` : ''}${head.name}`;
  return {
    rule: clusterRejected.id,
    severity,
    target,
    apiVersion: head.apiVersion,
    kind: head.kind,
    namespace: head.namespace,
    name: head.name,
    message: `Cluster ${cluster} rejects ${id}: ${message}`,
    ...(head.source ? { file: head.source.file } : {}),
    ...(head.source?.line ? { line: head.source.line } : {}),
    overridden: false,
    introduced: true,
  };
}

export function liveUnavailableFinding(target: string, cluster: string, reason: string): Finding {
  return { rule: liveUnavailable.id, severity: liveUnavailable.defaultSeverity, target, message: `Cluster ${cluster} could not be checked for ${target}: ${reason}`, overridden: false, introduced: true };
}
