// RBAC grants that let a subject become cluster admin.
import { at } from '../../pod.js';
import { isObject, type JsonObject } from '../../resource.js';
import type { Rule } from '../rule.js';

const ESCALATING_VERBS = new Set(['escalate', 'bind', 'impersonate']);

/** The dangerous grants of a Role/ClusterRole, as comparable sentences. */
function dangerousGrants(role: JsonObject | undefined): Set<string> {
  const grants = new Set<string>();
  const rules = at(role, 'rules');
  for (const rule of Array.isArray(rules) ? rules.filter(isObject) : []) {
    const list = (field: string) => (Array.isArray(rule[field]) ? (rule[field] as unknown[]).map(String) : []);
    const [verbs, resources, groups, urls] = [list('verbs'), list('resources'), list('apiGroups'), list('nonResourceURLs')];
    const scope = `${resources.length ? `resources ${resources.join(',')}` : `URLs ${urls.join(',')}`}${groups.length ? ` in groups ${groups.map((g) => g || '""').join(',')}` : ''}`;
    for (const verb of verbs) {
      if (verb === '*' || ESCALATING_VERBS.has(verb)) grants.add(`${verb} on ${scope}`);
    }
    if (resources.includes('*') || groups.includes('*')) grants.add(`${verbs.join(',')} on ${scope}`);
  }
  return grants;
}

function bindsClusterAdmin(binding: JsonObject | undefined): boolean {
  return at(binding, 'roleRef', 'kind') === 'ClusterRole' && at(binding, 'roleRef', 'name') === 'cluster-admin';
}

function subjects(binding: JsonObject | undefined): Set<string> {
  const list = at(binding, 'subjects');
  return new Set((Array.isArray(list) ? list.filter(isObject) : []).map((s) => `${String(s.kind)} ${s.namespace ? `${String(s.namespace)}/` : ''}${String(s.name)}`));
}

export const rbacEscalation: Rule = {
  id: 'rbac-escalation',
  defaultSeverity: 'error',
  summary: 'A new binding to cluster-admin, or new wildcard / escalate / bind / impersonate grants',
  explanation:
    'cluster-admin, wildcard verbs or resources, and the escalate, bind and impersonate verbs each let a subject grant itself ' +
    'anything in the cluster. Grant the specific verbs on the specific resources the workload uses; if a platform component really ' +
    'needs it, override with the reason.',
  check: ({ changes }) =>
    changes.flatMap((c) => {
      if (!c.head) return [];
      if ((c.kind === 'ClusterRoleBinding' || c.kind === 'RoleBinding') && bindsClusterAdmin(c.head.object)) {
        const before = bindsClusterAdmin(c.base?.object) ? subjects(c.base?.object) : new Set<string>();
        const added = [...subjects(c.head.object)].filter((s) => !before.has(s));
        return added.length ? [{ resource: c.head, message: `${c.kind} ${c.name} gives cluster-admin to ${added.join(', ')}.` }] : [];
      }
      if (c.kind === 'ClusterRole' || c.kind === 'Role') {
        const before = dangerousGrants(c.base?.object);
        const added = [...dangerousGrants(c.head.object)].filter((g) => !before.has(g));
        return added.length ? [{ resource: c.head, message: `${c.kind} ${c.name} newly grants ${added.join('; ')}.` }] : [];
      }
      return [];
    }),
};
