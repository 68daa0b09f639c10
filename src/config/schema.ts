// The .safe-deploy.yml schema (DESIGN §7). Unknown keys are errors, so a typo
// never silently switches a rule off.
import { posix } from 'node:path';
import { z } from 'zod';

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
});

const excludeSchema = z.strictObject({
  rule: z.string().min(1).optional(),
  namespace: z.string().min(1).optional(),
  kind: z.string().min(1).optional(),
  target: z.string().min(1).optional(),
  path: z.string().min(1).optional(),
});

/** A cluster Argo CD knows (its cluster secret): what the ApplicationSet cluster generator lists. */
const clusterSchema = z.strictObject({
  server: z.string().min(1).optional(),
  labels: z.record(z.string(), z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
});

export const configSchema = z.strictObject({
  targets: z.array(targetSchema).optional(),
  /** The URLs Argo CD and Flux know this repository by, when the platform's own do not match them. */
  repoURLs: z.array(z.string().min(1)).optional(),
  /** Clusters by name, as Argo CD's cluster secrets name them. */
  clusters: z.record(z.string().min(1), clusterSchema).optional(),
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
  commands: z
    .strictObject({
      override: z.array(z.string().min(1)).optional(),
    })
    .default({}),
});

export type Config = z.infer<typeof configSchema>;
export type TargetConfig = z.infer<typeof targetSchema>;
