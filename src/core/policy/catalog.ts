// The rule catalog (DESIGN §8): its IDs are a contract.
import { clusterRejected, liveUnavailable } from './cluster-rejected.js';
import { renderFailed } from './render-failed.js';
import { renderIncomplete } from './render-incomplete.js';
import type { Rule } from './rule.js';
import { schemaInvalid } from './schema-invalid.js';
import { apiDeprecated, apiRemoved } from './rules/api-versions.js';
import {
  configNotRolledOut,
  imageTagDowngraded,
  immutableFieldChanged,
  pvcShrunk,
  replicasReduced,
  scaledToZero,
  serviceExposureChanged,
} from './rules/changes.js';
import { crdDeleted, namespaceDeleted, pdbRemoved, pvcDeleted } from './rules/deletions.js';
import {
  hostNamespace,
  hostPath,
  imageTagMutable,
  privilegedContainer,
  probesMissing,
  resourcesMissing,
  runAsRoot,
  secretInEnv,
  selectorMismatch,
} from './rules/pods.js';
import { rbacEscalation } from './rules/rbac.js';

export const CATALOG: readonly Rule[] = [
  renderFailed,
  renderIncomplete,
  namespaceDeleted,
  crdDeleted,
  pvcDeleted,
  immutableFieldChanged,
  pvcShrunk,
  rbacEscalation,
  apiRemoved,
  apiDeprecated,
  schemaInvalid,
  clusterRejected,
  liveUnavailable,
  imageTagMutable,
  privilegedContainer,
  hostNamespace,
  hostPath,
  secretInEnv,
  selectorMismatch,
  scaledToZero,
  replicasReduced,
  pdbRemoved,
  serviceExposureChanged,
  imageTagDowngraded,
  configNotRolledOut,
  resourcesMissing,
  probesMissing,
  runAsRoot,
];

const BY_ID = new Map(CATALOG.map((rule) => [rule.id, rule]));

export function findRule(id: string): Rule | undefined {
  return BY_ID.get(id);
}
