// An ApplicationSet expanded into the Applications its controller would create:
// each generator's parameter sets, its template (the generator's own merged over
// the ApplicationSet's) rendered once per set, with fasttemplate or Go templates.
import { isObject, type JsonObject, type JsonValue } from '../../core/resource.js';
import { RenderError } from '../../errors.js';
import { executeGoTemplates } from '../../render/go-template.js';
import type { Limits } from '../../render/sandbox.js';
import { at, str, strings } from '../object-fields.js';
import { fasttemplate } from './fasttemplate.js';
import { checkSize, generatorParams, NotEvaluable, renderPerSet, type Engine, type GeneratorContext } from './generators.js';

export type AppSetContext = Omit<GeneratorContext, 'goTemplate' | 'engine'> & { limits: Limits };

/** The generated Applications, or why there are none; `failed` when the controller itself fails on it (or a limit stops it). */
export type Expansion = { applications: JsonObject[] } | { reason: string; failed?: true };

export const isApplicationSet = (object: JsonValue): object is JsonObject =>
  isObject(object) && typeof object.apiVersion === 'string' && object.apiVersion.startsWith('argoproj.io/') && object.kind === 'ApplicationSet';

const isEmpty = (v: JsonValue | undefined): boolean =>
  v === undefined || v === null || v === '' || v === false || v === 0 || (Array.isArray(v) && v.length === 0) || (isObject(v) && Object.keys(v).length === 0);

/** mergo.Merge(generator's template, ApplicationSet's template): empty fields taken from the latter. */
function fillEmpty(dst: JsonObject, src: JsonObject): JsonObject {
  const out: JsonObject = { ...dst };
  for (const [k, v] of Object.entries(src)) {
    const d = out[k];
    if (isEmpty(d)) out[k] = v;
    else if (isObject(d) && isObject(v)) out[k] = fillEmpty(d, v);
  }
  return out;
}

function engineFor(goTemplate: boolean, options: string[], limits: Limits): Engine {
  if (goTemplate) return (templates, sets) => executeGoTemplates(templates, sets, options, limits);
  return async (templates, sets) => sets.map((set) => templates.map((t) => fasttemplate(t, set)));
}

/** The Applications an ApplicationSet generates, or why they cannot be predicted. */
export async function expandApplicationSet(appset: JsonObject, context: AppSetContext): Promise<Expansion> {
  const spec = isObject(appset.spec) ? appset.spec : {};
  if (spec.templatePatch !== undefined) return { reason: 'templatePatch is not evaluated offline' };
  const goTemplate = spec.goTemplate === true;
  const engine = engineFor(goTemplate, strings(spec.goTemplateOptions), context.limits);
  const ctx: GeneratorContext = { ...context, goTemplate, engine };
  const template = isObject(spec.template) ? spec.template : {};
  const applications: JsonObject[] = [];
  try {
    for (const generator of (Array.isArray(spec.generators) ? spec.generators : []).filter(isObject)) {
      const sets = await generatorParams(generator, ctx);
      // Several generators each within the limit would still add up.
      checkSize(applications.length + sets.length);
      const own = at(generator, Object.keys(generator).find((k) => k !== 'selector') ?? '', 'template');
      const merged = isObject(own) ? fillEmpty(own, template) : template;
      // A generator with no parameters leaves the template as written (RenderTemplateParams).
      const rendered = await renderPerSet(merged, sets, engine);
      for (const [i, app] of rendered.entries()) applications.push(Object.keys(sets[i]!).length ? app : merged);
    }
  } catch (error) {
    if (error instanceof NotEvaluable) return { reason: error.message };
    if (error instanceof RenderError) return { reason: `not generated: ${error.message}`, failed: true };
    throw error;
  }
  const names = new Set<string>();
  const out: JsonObject[] = [];
  for (const app of applications) {
    const name = str(at(app, 'metadata', 'name'));
    if (!name) return { reason: 'not generated: an Application of the template has no name', failed: true };
    if (names.has(name)) return { reason: `not generated: two Applications would be named ${name}`, failed: true };
    names.add(name);
    const metadata = isObject(app.metadata) ? app.metadata : {};
    // The controller creates every Application in the ApplicationSet's namespace.
    const namespace = str(at(appset, 'metadata', 'namespace'));
    out.push({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', metadata: { ...metadata, ...(namespace ? { namespace } : {}) }, spec: isObject(app.spec) ? app.spec : {} });
  }
  return { applications: out };
}
