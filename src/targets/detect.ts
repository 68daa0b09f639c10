import type { Snapshot } from '../repo/snapshot.js';
import { KUSTOMIZATION_FILES } from '../render/kustomize-inputs.js';
import type { Target } from '../core/target.js';

/** The renderer a directory calls for: a chart, a kustomization, or plain manifests. */
export function detectRenderer(snapshot: Snapshot, dir: string): Target['renderer'] {
  const prefix = dir ? `${dir}/` : '';
  if (snapshot.files.has(`${prefix}Chart.yaml`)) return 'helm';
  if (KUSTOMIZATION_FILES.some((f) => snapshot.files.has(prefix + f))) return 'kustomize';
  return 'plain';
}
