// Which cluster live mode checks a target against.
import picomatch from 'picomatch';
import type { Target } from '../target.js';

/** What the config says of a cluster that the mapping needs. */
export interface ClusterAddress {
  server?: string;
  inCluster?: boolean;
}

/** A `live.targets` entry: targets by name or path glob (both when both are set). */
export interface ClusterMapping {
  target?: string;
  path?: string;
  cluster: string;
}

export interface ClusterChoice {
  cluster: string;
  /** How the cluster was chosen, for the report: "the target's cluster", "live.targets[2]", "Argo CD destination". */
  via: string;
}

/** Argo CD's name for the cluster it runs in. */
const IN_CLUSTER_SERVER = 'https://kubernetes.default.svc';

const matches = (glob: string | undefined, value: string) => glob === undefined || picomatch.isMatch(value, glob, { dot: true });

/** An Argo CD destination's cluster: by name, else by server URL (the in-cluster URL names the inCluster cluster). */
function destinationCluster(target: Target, clusters: Record<string, ClusterAddress>): string | null {
  const { name, server } = target.destination ?? {};
  if (name !== undefined) return name in clusters ? name : null;
  if (server === undefined) return null;
  const wanted = server.replace(/\/+$/, '');
  const found = Object.entries(clusters).find(([, c]) => c.server?.replace(/\/+$/, '') === wanted || (wanted === IN_CLUSTER_SERVER && c.inCluster));
  return found?.[0] ?? null;
}

/**
 * The cluster of a target: the target's own `cluster:`, else the first `live.targets`
 * entry that matches it, else its Argo CD Application's destination; null when none says.
 */
export function clusterFor(target: Target, clusters: Record<string, ClusterAddress>, mappings: readonly ClusterMapping[]): ClusterChoice | null {
  if (target.cluster !== undefined) return { cluster: target.cluster, via: "the target's cluster" };
  const index = mappings.findIndex((m) => matches(m.target, target.name) && matches(m.path, target.path));
  if (index !== -1) return { cluster: mappings[index]!.cluster, via: `live.targets[${index}]` };
  const destination = destinationCluster(target, clusters);
  return destination === null ? null : { cluster: destination, via: 'Argo CD destination' };
}
