// Charts of Helm and OCI repositories that the server's operator keeps at hand:
// SAFE_DEPLOY_CHART_CACHE names a directory of archives named as `helm pull`
// writes them (<chart>-<version>.tgz). safe-deploy never downloads a chart; with
// the archive here, a HelmRelease or Application of a repository chart renders.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { ChartArchive } from '../core/target.js';
import { newestMatching } from './chart-version.js';

/** The archive of `chart` at the version `wanted` asks for (the newest that matches), or null. */
export function cachedChart(chart: string, wanted: string | undefined, env: NodeJS.ProcessEnv = process.env): ChartArchive | null {
  const dir = env.SAFE_DEPLOY_CHART_CACHE;
  if (!dir) return null;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return null;
  }
  const prefix = `${chart}-`;
  const versions = names.filter((n) => n.startsWith(prefix) && n.endsWith('.tgz')).map((n) => n.slice(prefix.length, -'.tgz'.length));
  const version = newestMatching(versions, wanted);
  if (version === undefined) return null;
  const file = join(dir, `${prefix}${version}.tgz`);
  const stats = statSync(file, { throwIfNoEntry: false });
  // Size and time tell a replaced archive from the one a render was cached for.
  return stats?.isFile() ? { file, chart, version, identity: `${stats.size}|${stats.mtimeMs}` } : null;
}
