// Static rules on what pods run: images, privileges, host access, secrets in
// env, resources, probes. They judge only objects the change creates or changes.
import { createHash } from 'node:crypto';
import { parseImage } from '../../images.js';
import { at, containers, labelsOf, LONG_RUNNING, podSpec, selects, type Container } from '../../pod.js';
import { isObject, type JsonObject, type Resource } from '../../resource.js';
import { touched, type Rule, type RuleContext, type Violation } from '../rule.js';

/** Each container of each pod-running object the change creates or changes. */
function podContainers(context: RuleContext): Array<{ c: Container; resource: Resource; pod: JsonObject }> {
  return touched(context).flatMap(({ resource }) => {
    const pod = podSpec(resource.kind, resource.object);
    return pod ? containers(pod).map((c) => ({ c, resource, pod })) : [];
  });
}

/** Names a container among its pod's (init containers apart: they may share a name with a container). */
const containerSubject = (c: Container) => `${c.init ? 'init ' : ''}${c.name}`;

/** What a check finds: one message, or one per item (each a subject of its own, so a new item is a new finding). */
type Found = string | null | Array<{ message: string; item: string }>;

function violations(resource: Resource, found: Found, subject?: string): Violation[] {
  if (found === null) return [];
  if (typeof found === 'string') return [{ resource, message: found, ...(subject !== undefined ? { subject } : {}) }];
  return found.map(({ message, item }) => ({ resource, message, subject: subject === undefined ? item : `${subject} ${item}` }));
}

function eachContainer(context: RuleContext, check: (c: Container, r: Resource, pod: JsonObject) => Found): Violation[] {
  return podContainers(context).flatMap(({ c, resource, pod }) => violations(resource, check(c, resource, pod), containerSubject(c)));
}

/** Each pod spec of the objects the change creates or changes. */
function eachPod(context: RuleContext, check: (pod: JsonObject, r: Resource) => Found): Violation[] {
  return touched(context).flatMap(({ resource }) => {
    const pod = podSpec(resource.kind, resource.object);
    return pod ? violations(resource, check(pod, resource)) : [];
  });
}

const where = (c: Container, r: Resource) => `${c.init ? 'init container' : 'container'} ${c.name} of ${r.kind} ${r.name}`;

export const imageTagMutable: Rule = {
  id: 'image-tag-mutable',
  judgesObjects: true,
  defaultSeverity: 'error',
  summary: 'An image with no tag or `latest`',
  explanation:
    'An image without a tag means `latest`, and `latest` (like any tag that is pushed again) can point to different code on every ' +
    'pull: two pods of one Deployment may run different versions and a rollback cannot go back. Pin a version tag, better a digest ' +
    '(`image@sha256:…`).',
  check: (context) =>
    eachContainer(context, (c, r) => {
      const image = String(c.spec.image ?? '');
      const ref = parseImage(image);
      if (ref.digest || (ref.tag && ref.tag !== 'latest')) return null;
      // Another repository on a mutable tag is other code: a finding of its own.
      return [{ message: `${where(c, r)} uses ${image || 'no image'}${ref.tag ? '' : ' (no tag: latest)'}.`, item: ref.repository }];
    }),
};

const DANGEROUS_CAPABILITIES = new Set(['SYS_ADMIN', 'NET_ADMIN', 'ALL']);

export const privilegedContainer: Rule = {
  id: 'privileged-container',
  judgesObjects: true,
  defaultSeverity: 'error',
  summary: 'Privileged, or added SYS_ADMIN/NET_ADMIN/ALL capabilities',
  explanation:
    'A privileged container, or one with SYS_ADMIN, NET_ADMIN or ALL capabilities, can take over its node. Drop privileged and ' +
    'the capabilities, or add only the narrow capability the process needs (NET_BIND_SERVICE, …). If the workload really needs it ' +
    '(a CNI or storage driver), override with the reason.',
  check: (context) =>
    eachContainer(context, (c, r) => {
      const security = isObject(c.spec.securityContext) ? c.spec.securityContext : {};
      const privileged = security.privileged === true ? [{ message: `${where(c, r)} is privileged.`, item: 'privileged' }] : [];
      const added = at(security, 'capabilities', 'add');
      const bad = (Array.isArray(added) ? added.map(String) : []).filter((cap) => DANGEROUS_CAPABILITIES.has(cap.replace(/^CAP_/, '').toUpperCase()));
      // Privileged says it all; otherwise each dangerous capability is a finding of its own.
      return privileged.length ? privileged : bad.map((cap) => ({ message: `${where(c, r)} adds capability ${cap}.`, item: cap }));
    }),
};

export const hostNamespace: Rule = {
  id: 'host-namespace',
  judgesObjects: true,
  defaultSeverity: 'error',
  summary: 'hostNetwork, hostPID or hostIPC',
  explanation:
    "A pod in the node's network, process or IPC namespace sees and can reach everything on the node, and bypasses network policy. " +
    'Remove hostNetwork/hostPID/hostIPC; expose ports through a Service instead.',
  check: (context) =>
    eachPod(context, (pod, r) => {
      const shared = ['hostNetwork', 'hostPID', 'hostIPC'].filter((f) => pod[f] === true);
      return shared.map((field) => ({ message: `${r.kind} ${r.name} sets ${field}.`, item: field }));
    }),
};

export const hostPath: Rule = {
  id: 'host-path',
  judgesObjects: true,
  defaultSeverity: 'error',
  summary: 'A hostPath volume',
  explanation:
    "A hostPath volume gives the pod the node's files: a container that can write /var/run/docker.sock or /etc owns the node, and the " +
    'data stays behind on one node. Use a PersistentVolumeClaim, a ConfigMap or an emptyDir instead.',
  check: (context) =>
    eachPod(context, (pod, r) => {
      const volumes = Array.isArray(pod.volumes) ? pod.volumes.filter(isObject) : [];
      const paths = volumes.filter((v) => isObject(v.hostPath)).map((v) => `${String(v.name)} (${String(at(v, 'hostPath', 'path'))})`);
      return paths.map((path) => ({ message: `${r.kind} ${r.name} mounts hostPath ${path}.`, item: path }));
    }),
};

const SECRET_NAME = /(passw(or)?d|pwd$|secret|token|api[_-]?key|private[_-]?key|access[_-]?key|credential|(^|[_-])key$)/i;
const NOT_A_SECRET = /[_-](file|path|dir|url|uri|endpoint|host|name|ttl|expiry|expiration|length|size|header|type|id|ref|enabled)$/i;

export const secretInEnv: Rule = {
  id: 'secret-in-env',
  judgesObjects: true,
  defaultSeverity: 'error',
  summary: 'A literal value in env whose name looks like a secret (password, token, key, …)',
  explanation:
    'A secret written as a literal env value sits in the repository history, in every render and in the object itself, readable by ' +
    'anyone who can read the Deployment. Put it in a Secret (or an external secret store) and use valueFrom.secretKeyRef.',
  // One finding per variable, so a secret added next to an old one is told apart from it.
  check: (context) =>
    podContainers(context).flatMap(({ c, resource }) => {
      const env = Array.isArray(c.spec.env) ? c.spec.env.filter(isObject) : [];
      return env
        .filter((e) => typeof e.name === 'string' && SECRET_NAME.test(e.name) && !NOT_A_SECRET.test(e.name))
        .filter((e) => typeof e.value === 'string' && e.value !== '' && !/^\$\([A-Za-z_][A-Za-z0-9_]*\)$/.test(e.value))
        .map((e) => ({
          resource,
          // The value itself is never repeated.
          message: `${where(c, resource)} sets ${String(e.name)} to a literal value.`,
          // A new value is a new secret in the repository's history; the subject keeps only its digest, and never leaves the engine.
          subject: `${containerSubject(c)} ${String(e.name)} ${createHash('sha256').update(String(e.value)).digest('hex')}`,
        }));
    }),
};

export const selectorMismatch: Rule = {
  id: 'selector-mismatch',
  judgesObjects: true,
  defaultSeverity: 'error',
  summary: 'A workload selector that does not match its pod template labels',
  explanation:
    'A workload whose selector does not select its own pod template is rejected by the API server, or (for a selector that matches ' +
    'other pods) adopts and fights over pods it does not own. Make spec.selector match spec.template.metadata.labels.',
  check: (context) =>
    touched(context).flatMap(({ resource }) => {
      if (!['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet'].includes(resource.kind)) return [];
      const selector = at(resource.object, 'spec', 'selector');
      const labels = labelsOf(resource.object, 'spec', 'template', 'metadata', 'labels');
      if (!isObject(selector)) return [{ resource, message: `${resource.kind} ${resource.name} has no spec.selector.` }];
      return selects(selector, labels) ? [] : [{ resource, message: `${resource.kind} ${resource.name}: spec.selector does not match the pod template labels.` }];
    }),
};

export const resourcesMissing: Rule = {
  id: 'resources-missing',
  judgesObjects: true,
  defaultSeverity: 'warning',
  summary: 'A container without CPU/memory requests or a memory limit',
  explanation:
    'Without requests the scheduler packs pods blindly and they are the first evicted under pressure; without a memory limit one ' +
    'leaking container can exhaust its node. Set resources.requests.cpu, resources.requests.memory and resources.limits.memory.',
  check: (context) =>
    eachContainer(context, (c, r) => {
      if (c.init) return null;
      const missing = [
        ['requests', 'cpu'],
        ['requests', 'memory'],
        ['limits', 'memory'],
      ]
        .filter(([kind, name]) => at(c.spec, 'resources', kind!, name!) === undefined)
        .map(([kind, name]) => `${kind}.${name}`);
      return missing.length ? `${where(c, r)} has no ${missing.join(', ')}.` : null;
    }),
};

export const probesMissing: Rule = {
  id: 'probes-missing',
  judgesObjects: true,
  defaultSeverity: 'warning',
  summary: 'A container of a long-running workload without a readiness probe',
  explanation:
    'Without a readiness probe a pod receives traffic as soon as it starts, before it can serve, and a rolling update moves on ' +
    'before the new version works. Add a readinessProbe (HTTP, TCP or exec) that checks the process can serve.',
  check: (context) =>
    eachContainer(context, (c, r) => (c.init || !LONG_RUNNING.has(r.kind) || c.spec.readinessProbe ? null : `${where(c, r)} has no readinessProbe.`)),
};

function nonRoot(security: JsonObject | undefined): boolean | undefined {
  if (!security) return undefined;
  if (security.runAsNonRoot === true) return true;
  if (typeof security.runAsUser === 'number') return security.runAsUser !== 0;
  if (security.runAsNonRoot === false) return false;
  return undefined;
}

export const runAsRoot: Rule = {
  id: 'run-as-root',
  judgesObjects: true,
  defaultSeverity: 'notice',
  summary: 'runAsNonRoot is not set',
  explanation:
    'Unless the pod or container says runAsNonRoot: true (or a non-zero runAsUser), the container runs as whatever user its image ' +
    'names, often root. Set securityContext.runAsNonRoot: true so the kubelet refuses an image that would run as root.',
  check: (context) =>
    eachContainer(context, (c, r, pod) => {
      const podLevel = nonRoot(isObject(pod.securityContext) ? pod.securityContext : undefined);
      const own = nonRoot(isObject(c.spec.securityContext) ? c.spec.securityContext : undefined);
      return (own ?? podLevel) === true ? null : `${where(c, r)} may run as root (runAsNonRoot is not set).`;
    }),
};
