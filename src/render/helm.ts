// The Helm renderer: `helm template` of a chart at one revision, offline, with
// vendored dependencies only, no plugins or post-renderers, test hooks skipped.
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { stringify } from 'yaml';
import { mapScalars, mergeValues, setValuePath } from '../core/flux/values.js';
import { isObject, type JsonObject, type JsonValue, type Resource } from '../core/resource.js';
import { RenderError } from '../errors.js';
import { resolveInRepo, type Snapshot } from '../repo/snapshot.js';
import { releaseNameFor, repoDir, type Target } from '../core/target.js';
import { unguessableDir } from '../util/unguessable-dir.js';
import { readYamlFile } from '../util/yaml-read.js';
import { withoutSchemaValues } from './schema-errors.js';
import { checkSchemas, hasArchivedSubcharts } from './helm-schemas.js';
import { openToRenderer, runSandboxed, sandboxIsolation, type Limits } from './sandbox.js';
import { referencedData, secretMarker } from './flux-values.js';
import { findTool } from './tools.js';
import { parseObjects } from '../util/manifests.js';

interface Dependency {
  name: string;
  repository?: string;
}

async function readYaml(snapshot: Snapshot, file: string): Promise<JsonValue> {
  return (await readYamlFile(await snapshot.readText(file), file)) as JsonValue;
}

async function dependenciesOf(snapshot: Snapshot, chart: string): Promise<Dependency[]> {
  const prefix = chart ? `${chart}/` : '';
  const meta = await readYaml(snapshot, `${prefix}Chart.yaml`);
  let list = isObject(meta) ? meta.dependencies : undefined;
  if (list === undefined && snapshot.files.has(`${prefix}requirements.yaml`)) {
    const requirements = await readYaml(snapshot, `${prefix}requirements.yaml`);
    list = isObject(requirements) ? requirements.dependencies : undefined;
  }
  if (!Array.isArray(list)) return [];
  return list.flatMap((d) =>
    isObject(d) && typeof d.name === 'string' ? [{ name: d.name, ...(typeof d.repository === 'string' ? { repository: d.repository } : {}) }] : [],
  );
}

/** Every dependency must be vendored under charts/ (a directory or an archive): nothing is ever downloaded. */
async function checkVendored(snapshot: Snapshot, chart: string): Promise<void> {
  const prefix = chart ? `${chart}/` : '';
  for (const dep of await dependenciesOf(snapshot, chart)) {
    const vendored = snapshot.files.has(`${prefix}charts/${dep.name}/Chart.yaml`) ||
      snapshot.filesIn(`${prefix}charts`).some((f) => posix.basename(f).startsWith(`${dep.name}-`) && f.endsWith('.tgz'));
    if (!vendored) {
      const from = dep.repository ? ` (from ${dep.repository})` : '';
      throw new RenderError(
        `dependency "${dep.name}"${from} is not vendored in ${prefix}charts/; safe-deploy never downloads charts: run \`helm dependency build\` and commit charts/`,
        `${prefix}Chart.yaml`,
      );
    }
  }
}

/**
 * A HelmRelease's values as helm-controller composes them: valuesFrom in order
 * (a key's YAML merged, or its text set at targetPath), spec.values last. A source
 * the repository does not define readably is left out (the review notes it); the
 * strings and numbers of a Secret's values reach the chart only as markers.
 */
async function releaseValues(snapshot: Snapshot, target: Target): Promise<JsonObject> {
  let values: JsonObject = {};
  for (const ref of target.helm?.valuesFrom ?? []) {
    const found = await referencedData(snapshot, ref);
    if (!found) continue;
    const key = ref.valuesKey ?? 'values.yaml';
    const text = found.data.get(key);
    if (text === undefined) {
      if (ref.optional) continue;
      throw new RenderError(`valuesFrom ${ref.kind}/${ref.name} has no key "${key}"; helm-controller fails the release`, ref.file);
    }
    const mask = (value: string, name: string) => (found.secret ? secretMarker(name || key, value) : value);
    if (ref.targetPath) {
      values = setValuePath(values, ref.targetPath, mask(text, ref.targetPath));
      continue;
    }
    let parsed: unknown;
    try {
      parsed = await readYamlFile(text, `${ref.file} (${ref.kind}/${ref.name} ${key})`);
    } catch {
      // The parser's message may quote the values.
      throw new RenderError(`valuesFrom ${ref.kind}/${ref.name} key "${key}" is not valid YAML`, ref.file);
    }
    if (isObject(parsed)) values = mergeValues(values, (found.secret ? mapScalars(parsed, mask) : parsed) as JsonObject);
  }
  const own = target.helm?.values;
  return isObject(own) ? mergeValues(values, own) : values;
}

/** "# Source: mychart/templates/x.yaml" → the file in the repository. */
function sourceFile(chart: string, snapshot: Snapshot): (comment: string) => string | undefined {
  return (comment) => {
    const match = /Source:\s*(\S+)/.exec(comment);
    if (!match) return undefined;
    const inChart = match[1]!.split('/').slice(1).join('/');
    const path = chart ? `${chart}/${inChart}` : inChart;
    return snapshot.files.has(path) ? path : `${chart ? `${chart}/` : ''}Chart.yaml`;
  };
}

export async function renderHelm(snapshot: Snapshot, target: Target, limits: Limits): Promise<Resource[]> {
  const tool = await findTool('helm');
  const archive = target.helm?.chartArchive;
  const chart = repoDir(target.path);
  if (!archive) {
    if (!snapshot.files.has(chart ? `${chart}/Chart.yaml` : 'Chart.yaml')) throw new RenderError('no Chart.yaml in the chart directory', target.path);
    await checkVendored(snapshot, chart);
    await checkSchemas(snapshot, chart);
  }
  const valueFiles = (target.helm?.valueFiles ?? []).map((file) => {
    const path = resolveInRepo(chart, file);
    if (path === null) throw new RenderError(`value file "${file}" points outside the repository; refused`, target.declaredBy?.file ?? target.path);
    if (!snapshot.files.has(path)) throw new RenderError(`value file "${file}" not found`, path);
    return path;
  });
  const declaredIn = target.declaredBy?.file ?? target.path;
  await snapshot.materialize(archive ? valueFiles : [...snapshot.filesUnder(chart), ...valueFiles], archive ? declaredIn : chart ? `${chart}/Chart.yaml` : 'Chart.yaml');

  const scratch = await mkdtemp(join(tmpdir(), 'safe-deploy-values-'));
  try {
    const valuesDir = await unguessableDir(scratch);
    await Promise.all([openToRenderer(snapshot.root), openToRenderer(valuesDir)]);
    // The renderer sees the cached archive only as a copy beside the values.
    const chartArg = archive ? join(valuesDir, 'chart.tgz') : chart || '.';
    if (archive) await copyFile(archive.file, chartArg);
    const args = [...tool.prefix, releaseNameFor(target), chartArg, '--namespace', target.namespace, '--skip-tests', '--include-crds'];
    // Without a private network and file system, a schema inside an archive could make helm fetch or read
    // what it names: validation is skipped there (docs/security.md).
    if (sandboxIsolation().isolation !== 'bwrap' && (archive || hasArchivedSubcharts(snapshot, chart))) args.push('--skip-schema-validation');
    if (target.kubernetesVersion) args.push('--kube-version', target.kubernetesVersion.replace(/^v?/, 'v'));
    for (const file of valueFiles) args.push('--values', file);
    const values = target.helm?.valuesFrom ? await releaseValues(snapshot, target) : target.helm?.values;
    if (values !== undefined && (typeof values === 'string' ? values.trim() : Object.keys(values).length)) {
      const inline = join(valuesDir, 'inline-values.yaml');
      await writeFile(inline, typeof values === 'string' ? values : stringify(values));
      args.push('--values', inline);
    }
    for (const p of target.helm?.parameters ?? []) {
      args.push(p.forceString ? '--set-string' : '--set', `${p.name}=${p.value.replace(/,/g, '\\,')}`);
    }
    const output = await runSandboxed(tool.command, args, {
      cwd: snapshot.root,
      readable: [valuesDir],
      limits,
      hidePaths: [snapshot.root, valuesDir],
      label: `helm template ${target.path}`,
    }).catch((error: unknown) => {
      // A schema error quotes the rejected value, and any value may be a secret.
      if (error instanceof RenderError) throw new RenderError(withoutSchemaValues(error.reason), error.file, error.line);
      throw error;
    });
    const fileFromComment = archive ? () => declaredIn : sourceFile(chart, snapshot);
    return await parseObjects(output, `${archive ? `${archive.chart} ${archive.version}` : target.path} (helm template)`, target.namespace, { fileFromComment });
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
