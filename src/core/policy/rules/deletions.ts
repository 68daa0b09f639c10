// Deleting what cannot come back: namespaces, CRDs (and served versions), claims,
// disruption budgets.
import { at, replicas } from '../../pod.js';
import { workloadsSelectedBy } from '../../impact.js';
import { displayName, isObject, type JsonObject } from '../../resource.js';
import { deletesObject } from '../../sync/apply.js';
import type { Rule } from '../rule.js';

export const namespaceDeleted: Rule = {
  id: 'namespace-deleted',
  defaultSeverity: 'error',
  summary: 'A Namespace is deleted',
  explanation:
    'Deleting a Namespace deletes every object in it — workloads, Secrets, PersistentVolumeClaims and their data — including objects ' +
    'that no manifest in this repository describes. If the deletion is intended, move or back up what it holds first and override ' +
    'the finding with a reason; if it is not, restore the Namespace manifest (often it was dropped from a kustomization by mistake).',
  check: ({ changes }) =>
    changes.filter((c) => c.kind === 'Namespace' && deletesObject(c) && c.base).map((c) => ({
      resource: c.base!,
      message: `Namespace ${c.name} is deleted, and with it everything it holds.`,
    })),
};

function servedVersions(crd: JsonObject | undefined): Set<string> {
  const versions = at(crd, 'spec', 'versions');
  const served = new Set<string>();
  for (const v of Array.isArray(versions) ? versions.filter(isObject) : []) if (v.served !== false && typeof v.name === 'string') served.add(v.name);
  const legacy = at(crd, 'spec', 'version');
  if (typeof legacy === 'string') served.add(legacy);
  return served;
}

export const crdDeleted: Rule = {
  id: 'crd-deleted',
  defaultSeverity: 'error',
  summary: 'A CustomResourceDefinition or one of its served versions is removed',
  explanation:
    'Deleting a CustomResourceDefinition deletes every custom resource of that kind in the cluster. Removing a served version breaks ' +
    'every client and stored object that still uses it. Migrate the objects (and the storage version) first, stop serving the version ' +
    'with served: false for a release, and only then remove it.',
  check: ({ changes }) =>
    changes.flatMap((c) => {
      if (c.kind !== 'CustomResourceDefinition' || !c.base) return [];
      if (deletesObject(c)) return [{ resource: c.base, message: `CustomResourceDefinition ${c.name} is deleted: every object of this kind goes with it.` }];
      if (c.action === 'delete') return [];
      const after = servedVersions(c.head?.object);
      const removed = [...servedVersions(c.base.object)].filter((v) => !after.has(v));
      return removed.length
        ? [{ resource: c.head ?? c.base, message: `CustomResourceDefinition ${c.name} stops serving ${removed.join(', ')}: clients and objects using it break.` }]
        : [];
    }),
};

export const pvcDeleted: Rule = {
  id: 'pvc-deleted',
  defaultSeverity: 'error',
  summary: 'A PersistentVolumeClaim is deleted, or a StatefulSet whose claims are deleted with it',
  explanation:
    'A deleted claim releases its volume; with the Delete reclaim policy, the default for dynamically provisioned storage, the data ' +
    'is gone. A StatefulSet with persistentVolumeClaimRetentionPolicy whenDeleted (or whenScaled) set to Delete takes its claims ' +
    'with it. Back the data up or set the volume reclaim policy to Retain before merging, then override with a reason.',
  check: ({ changes }) =>
    changes.flatMap((c) => {
      if (c.kind === 'PersistentVolumeClaim' && c.base && (deletesObject(c) || c.immutableFields?.length || c.previousNamespace !== undefined)) {
        const what = c.action === 'delete' ? 'deleted' : c.previousNamespace !== undefined ? `moved from namespace ${c.previousNamespace} (a new, empty claim in ${c.namespace}; the old one is deleted)` : 'recreated';
        return [{ resource: c.base, message: `PersistentVolumeClaim ${c.name} is ${what}: its data is lost unless the volume is retained.` }];
      }
      if (c.kind === 'StatefulSet' && c.base && c.impacts.some((i) => i.type === 'data-loss')) {
        const scaled = c.head ? ` (scaled from ${replicas(c.base.object)} to ${replicas(c.head.object)})` : '';
        return [{ resource: c.head ?? c.base, message: `StatefulSet ${c.name} deletes its volume claims${scaled}.` }];
      }
      return [];
    }),
};

export const pdbRemoved: Rule = {
  id: 'pdb-removed',
  defaultSeverity: 'warning',
  summary: 'A PodDisruptionBudget is deleted while its workload stays',
  explanation:
    'Without its PodDisruptionBudget, a node drain or cluster upgrade may evict every pod of the workload at once. Keep the budget, ' +
    'or replace it in the same change (a new name is fine: it is matched by selector).',
  check: ({ changes, head }) =>
    changes.flatMap((c) => {
      if (c.kind !== 'PodDisruptionBudget' || !deletesObject(c) || !c.base) return [];
      const kept = workloadsSelectedBy(c.base.object, c.namespace, head);
      const replaced = head.some((r) => r.kind === 'PodDisruptionBudget' && r.namespace === c.namespace && kept.some((w) => workloadsSelectedBy(r.object, r.namespace, [w]).length));
      return kept.length && !replaced
        ? [{ resource: c.base, message: `PodDisruptionBudget ${c.name} is deleted while ${kept.map(displayName).join(', ')} stays unprotected.` }]
        : [];
    }),
};
