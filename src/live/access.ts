// Who decides which clusters a review may ask: the operator of the server (environment)
// or the person running the CLI, never the repository. The config only names clusters.
import { realpath } from 'node:fs/promises';
import { homedir } from 'node:os';
import { delimiter, isAbsolute, join, resolve, sep } from 'node:path';
import type { ClusterConfig } from '../config/schema.js';
import type { ClusterConnection } from './connect.js';

export type ResolvedCluster = { connection: ClusterConnection } | { refused: string };

export interface LiveAccess {
  /** Every target is checked against this one cluster, whatever the config maps (the CLI's --kubeconfig/--context). */
  single?: ClusterConnection;
  /** The cluster of every target when the config names no clusters (the CLI's default kubeconfig). */
  fallback?: ClusterConnection;
  /** How a cluster of the config is reached, or why it may not be. */
  resolve(name: string, cluster: ClusterConfig): Promise<ResolvedCluster>;
}

/** What a review may reach, as data: it travels to the review's worker thread. */
export type LiveAccessSpec =
  | { kind: 'operator'; kubeconfigDir?: string; inCluster: boolean }
  | { kind: 'local'; kubeconfig?: string; context?: string; cwd: string; defaultKubeconfig: string };

/** A kubeconfig name of the config: one file of the operator's directory, nothing else. */
const KUBECONFIG_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * The server's and CI job's access: only what the operator allows. SAFE_DEPLOY_KUBECONFIG_DIR
 * holds the kubeconfig files the config may name; SAFE_DEPLOY_IN_CLUSTER=true lets `inCluster`
 * clusters use the server's own service account. Neither set: live mode is off (null).
 */
export function operatorLiveSpec(env: NodeJS.ProcessEnv): LiveAccessSpec | null {
  const dir = env.SAFE_DEPLOY_KUBECONFIG_DIR;
  const inCluster = env.SAFE_DEPLOY_IN_CLUSTER === 'true';
  return dir || inCluster ? { kind: 'operator', ...(dir ? { kubeconfigDir: resolve(dir) } : {}), inCluster } : null;
}

function operatorAccess(dir: string | undefined, inCluster: boolean): LiveAccess {
  return {
    async resolve(name, cluster) {
      if (cluster.inCluster) return inCluster ? { connection: { name, inCluster: true } } : { refused: 'in-cluster access is not enabled on this server (SAFE_DEPLOY_IN_CLUSTER)' };
      if (!cluster.kubeconfig) return { refused: 'the cluster has no kubeconfig or inCluster in .safe-deploy.yml' };
      if (!dir) return { refused: 'kubeconfig files are not enabled on this server (SAFE_DEPLOY_KUBECONFIG_DIR)' };
      if (!KUBECONFIG_NAME.test(cluster.kubeconfig)) return { refused: `kubeconfig "${cluster.kubeconfig}" must be a file name in the server's kubeconfig directory` };
      // The directory is the operator's; a link in it must still not lead out of it.
      const [root, file] = await Promise.all([realpath(dir).catch(() => null), realpath(join(dir, cluster.kubeconfig)).catch(() => null)]);
      if (!root || !file) return { refused: `no kubeconfig "${cluster.kubeconfig}" in the server's kubeconfig directory` };
      if (!file.startsWith(root + sep)) return { refused: `kubeconfig "${cluster.kubeconfig}" is not in the server's kubeconfig directory` };
      return { connection: { name, kubeconfig: file, ...(cluster.context ? { context: cluster.context } : {}) } };
    },
  };
}

/** The kubeconfig kubectl would use: the first file of $KUBECONFIG, else ~/.kube/config. */
function defaultKubeconfig(env: NodeJS.ProcessEnv): string {
  const first = env.KUBECONFIG?.split(delimiter).find(Boolean);
  return first ?? join(homedir(), '.kube', 'config');
}

/** The CLI's access (`review --live [--kubeconfig FILE] [--context NAME]`), run from `cwd`. */
export function localLiveSpec(options: { kubeconfig?: string; context?: string; cwd: string; env: NodeJS.ProcessEnv }): LiveAccessSpec {
  const { kubeconfig, context, cwd, env } = options;
  return { kind: 'local', ...(kubeconfig ? { kubeconfig } : {}), ...(context ? { context } : {}), cwd, defaultKubeconfig: defaultKubeconfig(env) };
}

/**
 * The person running the CLI may use any kubeconfig. With --kubeconfig or --context every
 * target is checked against that one cluster; otherwise the config's clusters are used
 * (kubeconfig paths relative to the working directory), or the default kubeconfig when the
 * config names none.
 */
function localAccess(spec: Extract<LiveAccessSpec, { kind: 'local' }>): LiveAccess {
  const { kubeconfig, context, cwd } = spec;
  const local = (file: string | undefined, ctx: string | undefined, name: string): ClusterConnection => ({
    name,
    kubeconfig: resolve(cwd, file ?? spec.defaultKubeconfig),
    ...(ctx ? { context: ctx } : {}),
  });
  const single = kubeconfig || context ? local(kubeconfig, context, context ?? 'local') : undefined;
  return {
    ...(single ? { single } : { fallback: local(undefined, undefined, 'local') }),
    async resolve(name, cluster) {
      if (cluster.inCluster) return { connection: { name, inCluster: true } };
      if (!cluster.kubeconfig) return { refused: 'the cluster has no kubeconfig or inCluster in .safe-deploy.yml' };
      return { connection: local(isAbsolute(cluster.kubeconfig) ? cluster.kubeconfig : resolve(cwd, cluster.kubeconfig), cluster.context, name) };
    },
  };
}

export function liveAccess(spec: LiveAccessSpec): LiveAccess {
  return spec.kind === 'operator' ? operatorAccess(spec.kubeconfigDir, spec.inCluster) : localAccess(spec);
}
