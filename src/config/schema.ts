// The .safe-deploy.yml schema (DESIGN §7). Unknown keys are errors, so a typo
// never silently switches a rule off.
import { posix } from 'node:path';
import { z } from 'zod';
import { entryPatterns } from '../core/diff/hidden-fields.js';

const repoPath = z
  .string()
  .min(1)
  .refine((p) => !posix.isAbsolute(p) && !posix.normalize(p).split('/').includes('..'), {
    message: 'must be a path inside the repository (relative, no "..")',
  })
  .transform((p) => posix.normalize(p).replace(/\/+$/, '') || '.');

const severityOrOff = z.enum(['error', 'warning', 'notice', 'off']);

const targetSchema = z.strictObject({
  name: z.string().min(1),
  path: repoPath,
  renderer: z.enum(['plain', 'kustomize', 'helm']).optional(),
  namespace: z.string().min(1).optional(),
  kubernetesVersion: z
    .string()
    .regex(/^v?\d+\.\d+(\.\d+)?$/, 'must look like "1.31"')
    .optional(),
  helm: z
    .strictObject({
      releaseName: z.string().min(1).optional(),
      valueFiles: z.array(repoPath).optional(),
      values: z.record(z.string(), z.unknown()).optional(),
      parameters: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
    })
    .optional(),
  /** The cluster live mode checks this target against (a name under `clusters:`). */
  cluster: z.string().min(1).optional(),
});

const excludeSchema = z.strictObject({
  rule: z.string().min(1).optional(),
  namespace: z.string().min(1).optional(),
  kind: z.string().min(1).optional(),
  target: z.string().min(1).optional(),
  path: z.string().min(1).optional(),
});

/** An entry of diff.ignore: objects by glob, the fields of theirs left out of the comparison. */
const ignoreSchema = z
  .strictObject({
    group: z.string().optional(),
    kind: z.string().min(1).optional(),
    name: z.string().min(1).optional(),
    namespace: z.string().min(1).optional(),
    target: z.string().min(1).optional(),
    jsonPointers: z.array(z.string().min(1)).optional(),
    fields: z.array(z.string().min(1)).optional(),
  })
  .superRefine((entry, ctx) => {
    if (!entry.jsonPointers?.length && !entry.fields?.length) ctx.addIssue({ code: 'custom', message: 'needs jsonPointers or fields: the fields to leave out' });
    const bad = entryPatterns(entry);
    if (typeof bad === 'string') ctx.addIssue({ code: 'custom', message: bad });
  });

const globs = z.array(z.string().min(1)).min(1).optional();

/** An entry of reviews: what a change must do for whom to approve it. */
const reviewSchema = z.strictObject({
  /** Shown in the comment and the approvals check; else made from `when`. */
  name: z.string().min(1).max(100).optional(),
  /** Keys must all hold for one changed object (or one finding); a key's values are alternatives. */
  when: z
    .strictObject({
      impacts: z.array(z.enum(['rollout', 'recreate', 'data-loss', 'downtime', 'exposure', 'not-rolled-out'])).min(1).optional(),
      rules: globs,
      kinds: globs,
      namespaces: globs,
      targets: globs,
      /** Globs on the file an object comes from. */
      paths: globs,
    })
    .refine((when) => Object.keys(when).length > 0, { message: 'needs at least one of impacts, rules, kinds, namespaces, targets, paths' }),
  /** Who may approve: "@user" or "@org/team" (GitHub), "@user" or "@group/subgroup" (GitLab); one approval of the current head by any of them suffices. */
  require: z.array(z.string().regex(/^@[\w.-]+(\/[\w.-]+)*$/, 'must be @user or @org/team')).min(1).max(20),
});

/**
 * A cluster by name: what Argo CD's cluster secret says of it (the ApplicationSet cluster
 * generator lists these), and how live mode reaches it.
 */
const clusterSchema = z
  .strictObject({
    server: z.string().min(1).optional(),
    labels: z.record(z.string(), z.string()).optional(),
    annotations: z.record(z.string(), z.string()).optional(),
    /** A kubeconfig file of the server running safe-deploy (a file name in its kubeconfig directory), never of the repository. */
    kubeconfig: z.string().min(1).optional(),
    /** The kubeconfig's context; its current context when omitted. */
    context: z.string().min(1).optional(),
    /** The cluster safe-deploy runs in, through its service account. */
    inCluster: z.boolean().optional(),
  })
  .refine((c) => !(c.inCluster && (c.kubeconfig || c.context)), { message: 'inCluster excludes kubeconfig and context' });

/** Which targets live mode checks against which cluster, after a target's own `cluster`. */
const clusterMappingSchema = z
  .strictObject({
    /** Targets by name (a glob: shop-*). */
    target: z.string().min(1).optional(),
    /** Targets by path (a glob: clusters/production/**). */
    path: z.string().min(1).optional(),
    cluster: z.string().min(1),
  })
  .refine((m) => m.target !== undefined || m.path !== undefined, { message: 'needs target or path' });

const liveSchema = z.strictObject({
  /** Fail the review when a cluster cannot be asked, instead of leaving its live section out. */
  required: z.boolean().default(false),
  targets: z.array(clusterMappingSchema).default([]),
  /** Field manager and force flag of the dry-run, instead of those of the controller that applies each target. */
  fieldManager: z.string().min(1).max(128).optional(),
  force: z.boolean().optional(),
  /** Argo CD's application.resourceTrackingMethod, for the prune prediction; unset, an object's tracking annotation decides where it has one. */
  argocdTracking: z.enum(['annotation', 'label', 'annotation+label']).optional(),
  /** Time for all requests to one cluster, per review. */
  timeoutSeconds: z.number().positive().max(600).optional(),
  /** Requests in flight and per second, per cluster. */
  concurrency: z.number().int().positive().max(256).optional(),
  qps: z.number().positive().max(10_000).optional(),
});

export const configSchema = z.strictObject({
  targets: z.array(targetSchema).optional(),
  /** The URLs Argo CD and Flux know this repository by, when the platform's own do not match them. */
  repoURLs: z.array(z.string().min(1)).optional(),
  /** Clusters by name, as Argo CD's cluster secrets name them. */
  clusters: z.record(z.string().min(1), clusterSchema).optional(),
  live: liveSchema.default({ required: false, targets: [] }),
  policies: z
    .strictObject({
      rules: z.record(z.string(), severityOrOff).default({}),
      exclude: z.array(excludeSchema).default([]),
      custom: z.array(repoPath).default([]),
      blockOn: z.enum(['introduced', 'all']).default('introduced'),
    })
    .default({ rules: {}, exclude: [], custom: [], blockOn: 'introduced' }),
  render: z
    .strictObject({
      timeoutSeconds: z.number().positive().max(3600).optional(),
      maxOutputMB: z.number().positive().max(4096).optional(),
      maxMemoryMB: z.number().positive().max(65536).optional(),
    })
    .default({}),
  diff: z
    .strictObject({
      /** Fields left out of the comparison (Argo CD's ignoreDifferences, for the review). */
      ignore: z.array(ignoreSchema).default([]),
    })
    .default({ ignore: [] }),
  /** Approvals the change needs, by what it does; absent, no approvals check is posted. */
  reviews: z.array(reviewSchema).optional(),
  /** Pull requests whose head is in another repository: reviewed at once, or each head only after a maintainer's `/safe-deploy rerun`. */
  forks: z.enum(['automatic', 'on-rerun']).default('automatic'),
  commands: z
    .strictObject({
      override: z.array(z.string().min(1)).optional(),
    })
    .default({}),
});

export type Config = z.infer<typeof configSchema>;
export type TargetConfig = z.infer<typeof targetSchema>;
export type ClusterConfig = z.infer<typeof clusterSchema>;
export type LiveConfig = z.infer<typeof liveSchema>;
export type ReviewRuleConfig = z.infer<typeof reviewSchema>;
