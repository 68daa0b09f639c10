// Change-aware rules: they compare base and head of the same object.
import { compareTags, parseImage } from '../../images.js';
import { addedHosts, exposureShift } from '../../impact.js';
import { at, containers, LONG_RUNNING, podSpec, replicas } from '../../pod.js';
import { parseQuantity } from '../../quantity.js';
import type { JsonObject, JsonValue } from '../../resource.js';
import type { Rule } from '../rule.js';

export const immutableFieldChanged: Rule = {
  id: 'immutable-field-changed',
  defaultSeverity: 'error',
  summary: 'A field the API server refuses to update changes',
  explanation:
    'Some fields cannot change once an object exists: workload selectors, most of a StatefulSet spec, a Job template, a Service ' +
    'clusterIP, a bound claim, a binding roleRef, an immutable ConfigMap or Secret, and more. kubectl apply and an Argo CD sync fail ' +
    'on such a change, leaving the deploy stuck half-way. Either keep the field, or give the object a new name (create the new one, ' +
    'move traffic, delete the old one), or plan a deliberate replace (kubectl replace --force, Argo CD Replace=true) and accept what ' +
    'recreating the object costs.',
  check: ({ changes }) =>
    changes
      .filter((c) => c.immutableFields?.length && c.head && !c.recreatedBySync)
      .map((c) => ({ resource: c.head!, message: `${c.kind} ${c.name}: ${c.immutableFields!.join(', ')} cannot change in place; the sync is rejected.` })),
};

function storage(object: JsonValue | undefined): string | undefined {
  const value = at(object, 'spec', 'resources', 'requests', 'storage');
  return value === undefined ? undefined : String(value);
}

export const pvcShrunk: Rule = {
  id: 'pvc-shrunk',
  defaultSeverity: 'error',
  summary: "A claim's storage request goes down",
  explanation:
    'Kubernetes can expand a PersistentVolumeClaim but never shrink it: the update is rejected (or, for a StatefulSet claim template, ' +
    'it cannot be applied at all). Keep the current size; to really shrink, migrate the data to a new, smaller claim.',
  check: ({ changes }) =>
    changes.flatMap((c) => {
      if (!c.base || !c.head) return [];
      const sizes: Array<[string, string | undefined, string | undefined]> = [];
      if (c.kind === 'PersistentVolumeClaim') sizes.push([`claim ${c.name}`, storage(c.base.object), storage(c.head.object)]);
      if (c.kind === 'StatefulSet') {
        const templates = (object: JsonObject) => {
          const list = at(object, 'spec', 'volumeClaimTemplates');
          return new Map((Array.isArray(list) ? list : []).map((t) => [String(at(t, 'metadata', 'name')), storage(t)]));
        };
        const after = templates(c.head.object);
        for (const [name, size] of templates(c.base.object)) sizes.push([`claim template ${name} of StatefulSet ${c.name}`, size, after.get(name)]);
      }
      return sizes.flatMap(([label, before, after]) => {
        const [from, to] = [parseQuantity(before), parseQuantity(after)];
        return from !== null && to !== null && to < from ? [{ resource: c.head!, message: `Storage of ${label} goes down from ${before} to ${after}: claims cannot shrink.` }] : [];
      });
    }),
};

export const scaledToZero: Rule = {
  id: 'scaled-to-zero',
  defaultSeverity: 'warning',
  summary: 'Replicas go from more than zero to zero',
  explanation: 'A workload scaled to zero serves nothing. If that is the intent (a retired service), say so with an override; if not, restore the replica count.',
  check: ({ changes }) =>
    changes
      .filter((c) => c.base && c.head && LONG_RUNNING.has(c.kind) && c.kind !== 'DaemonSet' && replicas(c.base.object) > 0 && replicas(c.head.object) === 0)
      .map((c) => ({ resource: c.head!, message: `${c.kind} ${c.name} is scaled from ${replicas(c.base!.object)} to 0.` })),
};

export const replicasReduced: Rule = {
  id: 'replicas-reduced',
  defaultSeverity: 'warning',
  summary: 'Replicas cut by half or more',
  explanation:
    'Halving a workload halves its capacity at once. Check the load it carries (and any autoscaler that owns replicas: then remove ' +
    'replicas from the manifest instead).',
  check: ({ changes }) =>
    changes
      .filter((c) => {
        if (!c.base || !c.head || !LONG_RUNNING.has(c.kind) || c.kind === 'DaemonSet') return false;
        const [before, after] = [replicas(c.base.object), replicas(c.head.object)];
        return after > 0 && before >= 2 && after * 2 <= before;
      })
      .map((c) => ({ resource: c.head!, message: `${c.kind} ${c.name} goes from ${replicas(c.base!.object)} to ${replicas(c.head!.object)} replicas.` })),
};

export const serviceExposureChanged: Rule = {
  id: 'service-exposure-changed',
  defaultSeverity: 'warning',
  summary: 'A Service becomes or stops being LoadBalancer/NodePort, or an Ingress host is added',
  explanation:
    'Exposing a Service outside the cluster (LoadBalancer, NodePort) or serving a new Ingress host opens it to new clients, often the ' +
    'internet; the reverse cuts external clients off. Make sure authentication, network policy and DNS are ready for it.',
  check: ({ changes }) =>
    changes.flatMap((c) => {
      const shift = exposureShift(c);
      if (shift) return [{ resource: c.head!, message: `Service ${c.name} changes type ${shift[0]} → ${shift[1]}.` }];
      const hosts = addedHosts(c);
      return hosts.length ? [{ resource: c.head!, message: `Ingress ${c.name} serves new hosts: ${hosts.join(', ')}.` }] : [];
    }),
};

export const imageTagDowngraded: Rule = {
  id: 'image-tag-downgraded',
  defaultSeverity: 'warning',
  summary: 'A semver tag goes down',
  explanation:
    'An image tag that goes down is a rollback, often an accidental one (a stale branch, a bad merge). If it is a deliberate rollback, ' +
    'override with the reason; check that data migrations of the newer version are reversible.',
  check: ({ changes }) =>
    changes.flatMap((c) => {
      if (!c.base || !c.head) return [];
      const before = new Map(containers(podSpec(c.kind, c.base.object)).map((x) => [x.name, String(x.spec.image ?? '')]));
      return containers(podSpec(c.kind, c.head.object)).flatMap(({ name, spec }) => {
        const [old, now] = [parseImage(before.get(name) ?? ''), parseImage(String(spec.image ?? ''))];
        if (!old.tag || !now.tag || old.repository !== now.repository) return [];
        const order = compareTags(now.tag, old.tag);
        return order !== null && order < 0 ? [{ resource: c.head!, message: `Container ${name} of ${c.kind} ${c.name} goes from ${old.tag} down to ${now.tag}.` }] : [];
      });
    }),
};

export const configNotRolledOut: Rule = {
  id: 'config-not-rolled-out',
  defaultSeverity: 'warning',
  summary: 'A ConfigMap/Secret changes in place but no workload that uses it will restart',
  explanation:
    'Pods read env values from a ConfigMap or Secret when they start; a change in place reaches them only when they restart, which ' +
    'this merge does not cause. Use a generated name (kustomize configMapGenerator/secretGenerator, or a checksum annotation in a Helm ' +
    'chart) so the consumers roll out, or restart them deliberately.',
  check: ({ changes }) =>
    changes
      .filter((c) => (c.kind === 'ConfigMap' || c.kind === 'Secret') && c.impacts.some((i) => i.type === 'not-rolled-out'))
      .map((c) => ({ resource: c.head!, message: c.impacts.find((i) => i.type === 'not-rolled-out')!.message })),
};
