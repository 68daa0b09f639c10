// Argo CD Applications as targets: one per source with a path, rendered the way
// the repo-server would (Helm value files and values, release name, kustomize overrides).
import { isObject, type JsonObject, type JsonValue } from '../core/resource.js';
import { resolveInRepo, type Snapshot } from '../repo/snapshot.js';
import { detectRenderer } from './detect.js';
import { at, cleanPath, declaration, relativeTo, str, strings } from './object-fields.js';
import type { ArgoSync } from '../core/sync/model.js';
import { cachedChart } from './chart-cache.js';
import { dirOf, repoDir, type ChartArchive, type HelmOptions, type NotRendered, type Target, type TargetSource } from '../core/target.js';

function helmOptions(source: JsonObject, chartDir: string, refs: Map<string, string>, appName: string, archive?: ChartArchive): HelmOptions {
  const helm = isObject(source.helm) ? source.helm : {};
  const valueFiles = strings(helm.valueFiles).flatMap((v) => {
    // "$values/envs/prod.yaml": a file of the source whose ref is "values", taken as this repository.
    const ref = /^\$([^/]+)\/(.*)$/.exec(v);
    const full = ref && refs.has(ref[1]!) ? resolveInRepo(refs.get(ref[1]!)!, ref[2]!) : null;
    // Other value files of a cached archive are files inside the chart: not modelled.
    if (full === null) return archive ? [] : [v];
    return [relativeTo(chartDir, full)];
  });
  const values = isObject(helm.valuesObject) ? helm.valuesObject : str(helm.values);
  const parameters = (Array.isArray(helm.parameters) ? helm.parameters : []).flatMap((p) =>
    isObject(p) && typeof p.name === 'string'
      ? [{ name: p.name, value: String(p.value ?? ''), ...(p.forceString === true ? { forceString: true } : {}) }]
      : [],
  );
  return {
    // Argo CD names the release after the Application unless told otherwise, whatever source it is.
    releaseName: str(helm.releaseName) ?? appName,
    ...(valueFiles.length ? { valueFiles } : {}),
    ...(values !== undefined ? { values } : {}),
    ...(parameters.length ? { parameters } : {}),
    ...(archive ? { chartArchive: archive } : {}),
  };
}

/** The Application's sync options and ignoreDifferences, as the sync model reads them. */
function syncSettings(app: JsonObject): ArgoSync {
  const rules = at(app, 'spec', 'ignoreDifferences');
  return {
    syncOptions: strings(at(app, 'spec', 'syncPolicy', 'syncOptions')).map((o) => o.trim()),
    ignoreDifferences: (Array.isArray(rules) ? rules : []).filter(isObject).map((rule) => ({
      group: typeof rule.group === 'string' ? rule.group : '',
      kind: str(rule.kind) ?? '*',
      ...(str(rule.name) ? { name: str(rule.name)! } : {}),
      ...(str(rule.namespace) ? { namespace: str(rule.namespace)! } : {}),
      jsonPointers: strings(rule.jsonPointers),
      jqPathExpressions: strings(rule.jqPathExpressions),
      managedFieldsManagers: strings(rule.managedFieldsManagers),
    })),
    ...(at(app, 'spec', 'syncPolicy', 'automated', 'prune') === true ? { autoPrune: true as const } : {}),
  };
}

function sourcesOf(app: JsonObject): JsonObject[] {
  const many = at(app, 'spec', 'sources');
  return (Array.isArray(many) ? many : [at(app, 'spec', 'source')]).filter(isObject);
}

/** An Application source's repository and revision: HEAD (or none) follows the default branch, a full commit id is fixed. */
function gitSource(source: JsonObject): TargetSource {
  const revision = str(source.targetRevision);
  const follows = revision === undefined || revision === 'HEAD' ? {} : /^[0-9a-f]{40}$/i.test(revision) ? { pinned: `commit ${revision}` } : { branch: revision };
  return { kind: 'git', ...(str(source.repoURL) ? { url: str(source.repoURL)! } : {}), ...follows };
}

/** Targets of one Argo CD Application: one per source with a path in this repository. */
export function applicationTargets(snapshot: Snapshot, app: JsonObject, file: string): Target[] {
  const name = str(at(app, 'metadata', 'name'));
  if (!name) return [];
  const declaredBy = declaration(app, name, file);
  const namespace = str(at(app, 'spec', 'destination', 'namespace')) ?? 'default';
  const [destinationName, server] = [str(at(app, 'spec', 'destination', 'name')), str(at(app, 'spec', 'destination', 'server'))];
  const destination = { ...(destinationName ? { name: destinationName } : {}), ...(server ? { server } : {}) };
  const sources = sourcesOf(app);
  const refs = new Map<string, string>();
  for (const source of sources) if (str(source.ref)) refs.set(source.ref as string, cleanPath(str(source.path) ?? '') ?? '');
  const withPath = sources.flatMap((source): Array<{ source: JsonObject; path: string; archive?: ChartArchive }> => {
    const raw = str(source.path);
    const chart = str(source.chart);
    // A chart of a Helm repository renders from the server's chart cache, when it holds it.
    const archive = chart ? cachedChart(chart, str(source.targetRevision)) : null;
    if (archive) return [{ source, path: repoDir(dirOf(file)), archive }];
    const path = raw === undefined || chart ? null : cleanPath(raw);
    return path !== null && (path === '' ? snapshot.files.size > 0 : snapshot.hasDir(path)) ? [{ source, path }] : [];
  });
  return withPath.map(({ source, path, archive }, i) => {
    const renderer = archive ? 'helm' : detectRenderer(snapshot, path);
    const kustomize = isObject(source.kustomize) ? source.kustomize : {};
    const images = strings(kustomize.images);
    const target: Target = {
      name: withPath.length > 1 ? `${name}[${i}]` : name,
      path: path || '.',
      renderer,
      namespace,
      declaredBy,
      sync: syncSettings(app),
      ...(destinationName || server ? { destination } : {}),
      ...(archive ? {} : { source: gitSource(source) }),
    };
    if (renderer === 'helm') target.helm = helmOptions(source, path, refs, name, archive);
    if (renderer === 'kustomize' && (str(kustomize.namePrefix) || str(kustomize.nameSuffix) || images.length)) {
      target.kustomize = {
        ...(str(kustomize.namePrefix) ? { namePrefix: str(kustomize.namePrefix)! } : {}),
        ...(str(kustomize.nameSuffix) ? { nameSuffix: str(kustomize.nameSuffix)! } : {}),
        ...(images.length ? { images } : {}),
      };
    }
    if (renderer === 'plain' && at(source, 'directory', 'recurse') === true) target.recurse = true;
    return target;
  });
}

/** Sources of an Application that safe-deploy cannot render from the repository: charts of a Helm repository. */
export function applicationExternal(app: JsonObject, file: string): NotRendered[] {
  const name = str(at(app, 'metadata', 'name'));
  if (!name) return [];
  return sourcesOf(app).flatMap((source) => {
    const chart = str(source.chart);
    if (!chart || cachedChart(chart, str(source.targetRevision))) return [];
    const where = str(source.repoURL) ?? 'a Helm repository';
    const version = str(source.targetRevision);
    return [{ name, declaredBy: declaration(app, name, file), reason: `external chart ${chart}${version ? ` ${version}` : ''} from ${where}, not rendered` }];
  });
}

export const isApplication = (object: JsonValue): object is JsonObject =>
  isObject(object) && typeof object.apiVersion === 'string' && object.apiVersion.startsWith('argoproj.io/') && object.kind === 'Application';
