// A cluster of the config, as the official client reaches it: a kubeconfig file and
// context, or the pod's service account.
import { KubeConfig } from '@kubernetes/client-node';

export interface ClusterConnection {
  /** The cluster's name in .safe-deploy.yml (or the CLI's context). */
  name: string;
  /** An absolute kubeconfig path on this machine. */
  kubeconfig?: string;
  /** The kubeconfig's context; its current context when omitted. */
  context?: string;
  inCluster?: boolean;
}

/** The client configuration of a cluster; an error naming the cluster and file when it cannot be loaded (never their content). */
export function kubeConfigOf(connection: ClusterConnection): KubeConfig {
  const kc = new KubeConfig();
  const where = connection.inCluster ? 'the in-cluster service account' : `kubeconfig ${connection.kubeconfig}`;
  try {
    if (connection.inCluster) kc.loadFromCluster();
    else kc.loadFromFile(connection.kubeconfig!);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : 'not a readable kubeconfig';
    throw new Error(`cluster ${connection.name}: ${where}: ${reason}`);
  }
  if (connection.context) {
    if (!kc.getContexts().some((c) => c.name === connection.context)) throw new Error(`cluster ${connection.name}: no context "${connection.context}" in ${where}`);
    kc.setCurrentContext(connection.context);
  }
  if (!kc.getCurrentCluster()?.server) throw new Error(`cluster ${connection.name}: ${where} names no server for its current context`);
  return kc;
}
