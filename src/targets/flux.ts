// Flux Kustomizations and HelmReleases as targets, with the source they name: they
// render from this repository only when their source is a source of this repository.
import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import { isObject, type JsonObject, type JsonValue } from '../core/resource.js';
import { parentDir, type Snapshot } from '../repo/snapshot.js';
import { readYamlFile } from '../util/yaml-read.js';
import { artifactEntry, artifactLayout, isArtifactGenerator } from './flux-artifacts.js';
import { cachedChart } from './chart-cache.js';
import { versionMatches } from './chart-version.js';
import { at, cleanPath, declaration, relativeTo, str, strings } from './object-fields.js';
import type { FluxKustomizeOptions, Target, TargetSource, ValuesReference } from '../core/target.js';

const SOURCE_KINDS = new Set(['GitRepository', 'OCIRepository', 'Bucket', 'HelmRepository', 'HelmChart']);

/** Flux source objects defined in the repository, by "Kind/namespace/name". */
export type FluxSources = Map<string, JsonObject>;

const inGroup = (object: JsonValue, group: string, kind: string): object is JsonObject =>
  isObject(object) && typeof object.apiVersion === 'string' && object.apiVersion.startsWith(`${group}/`) && object.kind === kind;

export const isFluxSource = (object: JsonValue): object is JsonObject =>
  isObject(object) && typeof object.apiVersion === 'string' && object.apiVersion.startsWith('source.toolkit.fluxcd.io/') && SOURCE_KINDS.has(object.kind as string);

export const isFluxKustomization = (object: JsonValue): object is JsonObject => inGroup(object, 'kustomize.toolkit.fluxcd.io', 'Kustomization');

export const isHelmRelease = (object: JsonValue): object is JsonObject => inGroup(object, 'helm.toolkit.fluxcd.io', 'HelmRelease');

export function sourceKey(kind: string, namespace: string, name: string): string {
  return `${kind}/${namespace}/${name}`;
}

const namespaceOf = (object: JsonObject) => str(at(object, 'metadata', 'namespace')) ?? 'default';

/** The source a Flux object's reference names (its namespace defaults to the referrer's), with its URL when the repository defines it. */
export function referencedSource(ref: JsonValue | undefined, referrer: JsonObject, sources: FluxSources): TargetSource {
  const kind = str(at(ref, 'kind')) ?? 'GitRepository';
  const namespace = str(at(ref, 'namespace')) ?? namespaceOf(referrer);
  const name = str(at(ref, 'name')) ?? '';
  const defined = sources.get(sourceKey(kind, namespace, name));
  const url = str(at(defined, 'spec', 'url'));
  return { kind, name: `${namespace}/${name}`, ...(url ? { url } : {}), ...(kind === 'GitRepository' ? gitReference(at(defined, 'spec', 'ref')) : {}) };
}

/** What a GitRepository's spec.ref follows: a branch, or a fixed tag, semver range, commit or ref name. */
function gitReference(ref: JsonValue | undefined): Pick<TargetSource, 'branch' | 'pinned'> {
  for (const field of ['commit', 'name', 'semver', 'tag'] as const) {
    const value = str(at(ref, field));
    if (value) return { pinned: `${field} ${value}` };
  }
  const branch = str(at(ref, 'branch'));
  return branch ? { branch } : {};
}

/**
 * The source of a Kustomization, and the repository directory its paths start
 * from: the repository root, or for an ExternalArtifact that an ArtifactGenerator
 * of this repository builds from whole directories, the directory it copies.
 */
function kustomizationSource(ks: JsonObject, sources: FluxSources): { source: TargetSource; root: string } {
  const ref = at(ks, 'spec', 'sourceRef');
  if (str(at(ref, 'kind')) !== 'ExternalArtifact') return { source: referencedSource(ref, ks, sources), root: '' };
  const namespace = str(at(ref, 'namespace')) ?? namespaceOf(ks);
  const artifact = str(at(ref, 'name')) ?? '';
  const named = `${namespace}/${artifact}`;
  const generator = [...sources.values()].find((object) => isArtifactGenerator(object) && namespaceOf(object) === namespace && artifactEntry(object, artifact));
  if (!generator) return { source: { kind: 'ExternalArtifact', name: named, unevaluated: `source ExternalArtifact ${named} is built by no ArtifactGenerator of this repository` }, root: '' };
  const layout = artifactLayout(generator, artifact);
  if ('problem' in layout) return { source: { kind: 'ExternalArtifact', name: named, unevaluated: layout.problem }, root: '' };
  return { source: referencedSource(layout.source, generator, sources), root: layout.root };
}

/** ConfigMap and Secret references (substituteFrom, valuesFrom), in the referrer's namespace as Flux reads them. */
function valuesReferences(list: JsonValue | undefined, referrer: JsonObject): ValuesReference[] {
  return (Array.isArray(list) ? list : []).flatMap((ref) => {
    const kind = str(at(ref, 'kind'));
    const name = str(at(ref, 'name'));
    if ((kind !== 'ConfigMap' && kind !== 'Secret') || !name) return [];
    const valuesKey = str(at(ref, 'valuesKey'));
    const targetPath = str(at(ref, 'targetPath'));
    return [
      {
        kind,
        name,
        namespace: namespaceOf(referrer),
        ...(at(ref, 'optional') === true ? { optional: true } : {}),
        ...(valuesKey ? { valuesKey } : {}),
        ...(targetPath ? { targetPath } : {}),
      },
    ];
  });
}

const stringMap = (value: JsonValue | undefined): Record<string, string> =>
  Object.fromEntries(Object.entries(isObject(value) ? value : {}).filter((e): e is [string, string] => typeof e[1] === 'string'));

/** The spec fields kustomize-controller writes into the build, and its post-build. */
function fluxOptions(ks: JsonObject): FluxKustomizeOptions {
  const spec = isObject(ks.spec) ? ks.spec : {};
  const metadata = isObject(spec.commonMetadata) ? spec.commonMetadata : undefined;
  const postBuild = isObject(spec.postBuild) ? spec.postBuild : undefined;
  const list = (value: JsonValue | undefined) => (Array.isArray(value) && value.length ? value : undefined);
  const options: FluxKustomizeOptions = {
    ...(str(spec.targetNamespace) ? { targetNamespace: str(spec.targetNamespace)! } : {}),
    ...(str(spec.namePrefix) ? { namePrefix: str(spec.namePrefix)! } : {}),
    ...(str(spec.nameSuffix) ? { nameSuffix: str(spec.nameSuffix)! } : {}),
    ...(list(spec.patches) ? { patches: list(spec.patches)! } : {}),
    ...(list(spec.images) ? { images: list(spec.images)!.filter(isObject) } : {}),
    ...(strings(spec.components).length ? { components: strings(spec.components) } : {}),
    ...(spec.ignoreMissingComponents === true ? { ignoreMissingComponents: true } : {}),
    ...(spec.force === true ? { recreate: true as const } : {}),
    ...(metadata
      ? { commonMetadata: { ...(isObject(metadata.labels) ? { labels: metadata.labels } : {}), ...(isObject(metadata.annotations) ? { annotations: metadata.annotations } : {}) } }
      : {}),
  };
  if (postBuild) {
    options.postBuild = {
      substitute: stringMap(postBuild.substitute),
      substituteFrom: valuesReferences(postBuild.substituteFrom, ks),
      always: postBuild.substituteStrategy === 'Always',
    };
  }
  return options;
}

/** The target of a Flux Kustomization: `kustomize build` of its path, with the kustomization Flux writes there (generated when there is none). */
export function fluxTarget(snapshot: Snapshot, ks: JsonObject, file: string, sources: FluxSources): Target[] {
  const name = str(at(ks, 'metadata', 'name'));
  const { source, root } = kustomizationSource(ks, sources);
  const path = cleanPath(posix.join(root, str(at(ks, 'spec', 'path')) ?? '.'));
  // A source not evaluated is listed with its reason, whatever its path.
  if (!name || path === null || (path !== '' && !snapshot.hasDir(path) && !source.unevaluated)) return [];
  const flux = fluxOptions(ks);
  return [
    {
      name,
      path: path || '.',
      renderer: 'kustomize',
      namespace: flux.targetNamespace ?? 'default',
      declaredBy: declaration(ks, name, file),
      source,
      flux,
      // spec.prune is a required boolean: absent is false, and nothing is garbage-collected.
      ...(at(ks, 'spec', 'prune') === true ? {} : { prune: false as const }),
    },
  ];
}

/**
 * helm-controller's release name: spec.releaseName, else "[targetNamespace-]name";
 * over 53 characters, its first 40 and the first 12 hex digits of its SHA-256.
 */
export function fluxReleaseName(release: JsonObject): string {
  const name = str(at(release, 'spec', 'releaseName')) ?? [str(at(release, 'spec', 'targetNamespace')), str(at(release, 'metadata', 'name'))].filter(Boolean).join('-');
  return name.length <= 53 ? name : `${name.slice(0, 40)}-${createHash('sha256').update(name).digest('hex').slice(0, 12)}`;
}

/** Where a HelmRelease's chart comes from: a path of a Flux source (chart.spec, or a HelmChart named by chartRef). */
function chartOrigin(release: JsonObject, sources: FluxSources): { chart: string; version?: string; sourceRef: JsonValue | undefined; holder: JsonObject; valuesFiles: string[] } | null {
  const chartRef = at(release, 'spec', 'chartRef');
  if (isObject(chartRef)) {
    const kind = str(chartRef.kind);
    const helmChart = kind === 'HelmChart' ? sources.get(sourceKey(kind, str(chartRef.namespace) ?? namespaceOf(release), str(chartRef.name) ?? '')) : undefined;
    if (!helmChart) return { chart: str(chartRef.name) ?? '', sourceRef: chartRef, holder: release, valuesFiles: [] };
    return { chart: str(at(helmChart, 'spec', 'chart')) ?? '', ...version(at(helmChart, 'spec')), sourceRef: at(helmChart, 'spec', 'sourceRef'), holder: helmChart, valuesFiles: strings(at(helmChart, 'spec', 'valuesFiles')) };
  }
  const spec = at(release, 'spec', 'chart', 'spec');
  if (!isObject(spec)) return null;
  return { chart: str(spec.chart) ?? '', ...version(spec), sourceRef: spec.sourceRef, holder: release, valuesFiles: strings(spec.valuesFiles) };
}

const version = (spec: JsonValue | undefined) => (str(at(spec, 'version')) ? { version: str(at(spec, 'version'))! } : {});

const PATH_SOURCES = new Set(['GitRepository', 'Bucket']);

/** A chart directory of the repository with this name (and version, when one is asked for): a vendored copy of a repository chart. */
async function vendoredChart(snapshot: Snapshot, chart: string, wanted: string | undefined): Promise<string | null> {
  const files = [...snapshot.files.keys()].filter((f) => f === 'Chart.yaml' || f.endsWith('/Chart.yaml'));
  for (const file of files.sort()) {
    try {
      const meta = await readYamlFile(await snapshot.readText(file, 1024 * 1024), file);
      if (isObject(meta) && meta.name === chart && versionMatches(String(meta.version ?? ''), wanted)) return parentDir(file);
    } catch {
      // An unreadable Chart.yaml is no candidate.
    }
  }
  return null;
}

export type HelmReleaseResult = { target: Target } | { external: string };

/**
 * The target of a HelmRelease: its chart rendered with its values (spec.values after
 * valuesFrom), release name and namespace as helm-controller sets them. A chart from
 * a path of a Git or Bucket source is rendered from that path; a chart of a Helm or OCI
 * repository is external unless the repository vendors that chart and version.
 */
export async function helmReleaseTarget(snapshot: Snapshot, release: JsonObject, file: string, sources: FluxSources): Promise<HelmReleaseResult | null> {
  const name = str(at(release, 'metadata', 'name'));
  const origin = chartOrigin(release, sources);
  if (!name || !origin || !origin.chart) return null;
  const sourceKind = str(at(origin.sourceRef, 'kind')) ?? 'GitRepository';
  const from = referencedSource(origin.sourceRef, origin.holder, sources);
  // A chart vendored into the repository renders from here, whatever repository it was published in.
  const source: TargetSource | undefined = PATH_SOURCES.has(sourceKind) ? from : undefined;
  const vendored = source ? cleanPath(origin.chart) : await vendoredChart(snapshot, origin.chart, origin.version);
  const archive = source || vendored !== null ? null : cachedChart(origin.chart, origin.version);
  if (!source && vendored === null && !archive) {
    return { external: `external chart ${origin.chart}${origin.version ? ` ${origin.version}` : ''} from ${sourceKind} ${from.url ?? from.name}, not rendered` };
  }
  // A cached archive has no directory here: the target is its declaration's.
  const path = archive ? parentDir(file) : vendored;
  if (path === null || (!archive && !snapshot.files.has(path ? `${path}/Chart.yaml` : 'Chart.yaml'))) return null;
  const values = at(release, 'spec', 'values');
  const valuesFrom = valuesReferences(at(release, 'spec', 'valuesFrom'), release);
  // valuesFiles of a Git or Bucket source are paths of the source, as the repository's.
  // (A cached archive's valuesFiles are files of the archive: not modelled.)
  const valueFiles = archive ? [] : origin.valuesFiles.flatMap((f) => {
    const full = cleanPath(f);
    return full === null ? [] : [relativeTo(path!, full)];
  });
  return {
    target: {
      name,
      path: path || '.',
      renderer: 'helm',
      namespace: str(at(release, 'spec', 'targetNamespace')) ?? namespaceOf(release),
      declaredBy: declaration(release, name, file),
      ...(source ? { source } : {}),
      helm: {
        releaseName: fluxReleaseName(release),
        ...(valueFiles.length ? { valueFiles } : {}),
        ...(isObject(values) ? { values } : {}),
        ...(valuesFrom.length ? { valuesFrom } : {}),
        ...(archive ? { chartArchive: archive } : {}),
      },
    },
  };
}
