// Targets that only exist once something is evaluated: the Applications an
// ApplicationSet generates, and those a target renders (app of apps), followed to a
// bounded depth, a cycle refused. A child is declared by the object its parent
// renders, in the parent's file, and read with the parent's inputs.
import { availableParallelism } from 'node:os';
import { isObject, type JsonObject, type JsonValue, type Resource } from '../core/resource.js';
import type { Snapshot } from '../repo/snapshot.js';
import type { Limits } from '../render/sandbox.js';
import { applicationTargets, isApplication } from './argocd.js';
import { expandApplicationSet, isApplicationSet } from './appset/applicationset.js';
import type { ClusterEntry } from './appset/generators.js';
import { fluxTarget, isFluxKustomization, type FluxSources } from './flux.js';
import { targetInputs } from '../render/inputs.js';
import { at, declaration, str } from './object-fields.js';
import { normalizeRepoURL } from './repo-url.js';
import type { NotRendered, Target } from '../core/target.js';
import { mapLimit } from '../util/map-limit.js';

export const MAX_APP_DEPTH = 4;
// Each child is a target rendered at both sides: a template loop must not make a review of thousands.
export const MAX_APP_CHILDREN = 1000;

export interface GeneratedOptions {
  clusters: Record<string, ClusterEntry>;
  /** Normalized URLs of this repository; empty: every URL counts as this one. */
  known: Set<string>;
  limits: Limits;
  /** Renders a target at this revision (the review's renderer, with its cache). */
  render: (target: Target) => Promise<Resource[]>;
}

export interface Generated {
  targets: Target[];
  notRendered: NotRendered[];
}

/** The targets of one ApplicationSet: each generated Application's, declared by the ApplicationSet. */
export async function applicationSetTargets(snapshot: Snapshot, appset: JsonObject, file: string, options: GeneratedOptions): Promise<Generated> {
  const name = str(at(appset, 'metadata', 'name')) ?? '';
  const declaredBy = declaration(appset, name, file);
  const isThisRepository = (url: string): boolean => {
    const normalized = normalizeRepoURL(url);
    return options.known.size === 0 ? true : normalized !== null && options.known.has(normalized);
  };
  const expansion = await expandApplicationSet(appset, { snapshot, clusters: options.clusters, isThisRepository, limits: options.limits });
  if ('reason' in expansion) return { targets: [], notRendered: [{ name, declaredBy, reason: expansion.reason, ...(expansion.failed ? { failed: true as const } : {}) }] };
  return {
    targets: expansion.applications.flatMap((app) => applicationTargets(snapshot, app, file).map((t) => ({ ...t, declaredBy }))),
    notRendered: [],
  };
}

const declares = (object: JsonObject): boolean => isApplication(object) || isFluxKustomization(object) || isApplicationSet(object);

/** Targets an object rendered by `parent` declares (Application, ApplicationSet, Flux Kustomization). */
async function declaredBy(snapshot: Snapshot, object: JsonObject, file: string, sources: FluxSources, options: GeneratedOptions): Promise<Generated> {
  if (isApplication(object)) return { targets: applicationTargets(snapshot, object, file), notRendered: [] };
  if (isFluxKustomization(object)) return { targets: fluxTarget(snapshot, object, file, sources), notRendered: [] };
  if (isApplicationSet(object)) return applicationSetTargets(snapshot, object, file, options);
  return { targets: [], notRendered: [] };
}

const place = (t: Target): string => `${t.renderer}:${t.path}`;

function chain(target: Target): Target[] {
  return target.parent ? [...chain(target.parent), target] : [target];
}

/**
 * The children of the parents (targets reading a declaring file and rendered by
 * a tool), then theirs, to MAX_APP_DEPTH. `direct` are the objects the repository
 * declares as written: a render that leaves one unchanged adds nothing.
 */
export async function childTargets(
  snapshot: Snapshot,
  parents: Target[],
  declaringFiles: Set<string>,
  direct: Set<string>,
  sources: FluxSources,
  options: GeneratedOptions,
): Promise<Generated> {
  const out: Generated = { targets: [], notRendered: [] };
  let level = parents;
  for (let depth = 1; level.length > 0; depth++) {
    const candidates = await Promise.all(
      // The file that declares a target is its input, not something it renders.
      level.map(async (t) => (t.renderer !== 'plain' && [...(await targetInputs(snapshot, t)).files].some((f) => f !== t.declaredBy?.file && declaringFiles.has(f)) ? t : null)),
    );
    const parents = candidates.filter((t): t is Target => t !== null);
    // A parent that does not render yields nothing here: its own review reports why.
    const renders = await mapLimit(parents, Math.max(1, availableParallelism()), (parent) => options.render(parent).catch((): Resource[] => []));
    const next: Target[] = [];
    for (const [i, parent] of parents.entries()) {
      let over = 0;
      for (const resource of renders[i]!) {
        const object = resource.object;
        const file = resource.source?.file ?? (parent.declaredBy?.file ?? parent.path);
        if (direct.has(canonical(object))) continue;
        if (out.targets.length >= MAX_APP_CHILDREN) {
          // Not even expanded: one line for the parent says what is left out.
          if (declares(object) && over++ === 0) {
            const name = str(at(object, 'metadata', 'name')) ?? '';
            out.notRendered.push({ name, declaredBy: declaration(object, name, file), reason: `app of apps: over ${MAX_APP_CHILDREN} children in all; this one and the rest of ${parent.name}'s are not followed`, failed: true });
          }
          continue;
        }
        const found = await declaredBy(snapshot, object, file, sources, options);
        out.notRendered.push(...found.notRendered);
        for (const child of found.targets) {
          const withParent: Target = { ...child, parent };
          const ancestors = chain(parent);
          if (ancestors.some((a) => place(a) === place(child))) {
            const names = [...ancestors, withParent].map((t) => t.declaredBy ? `${t.declaredBy.kind} ${t.name}` : t.path);
            out.notRendered.push({ name: child.name, declaredBy: child.declaredBy!, reason: `app of apps cycle refused: ${names.join(' → ')}` });
          } else if (depth > MAX_APP_DEPTH) {
            out.notRendered.push({ name: child.name, declaredBy: child.declaredBy!, reason: `app of apps deeper than ${MAX_APP_DEPTH} levels, not followed`, failed: true });
          } else {
            out.targets.push(withParent);
            next.push(withParent);
          }
        }
      }
    }
    level = next;
  }
  return out;
}

/** JSON with keys sorted: the same object whatever order a tool printed its fields in. */
function canonical(value: JsonValue): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (isObject(value)) return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical(value[k]!)}`).join(',')}}`;
  return JSON.stringify(value);
}

/** Each object the repository declares as written, for childTargets' `direct`. */
export function writtenObjects(objects: JsonObject[]): Set<string> {
  return new Set(objects.map(canonical));
}
