import type { Finding } from '../model.js';
import type { Rule } from './rule.js';

export const renderIncomplete: Rule = {
  id: 'render-incomplete',
  defaultSeverity: 'notice',
  summary: 'Part of a target depends on values that cannot be known offline',
  explanation:
    'The target rendered, but some of what the cluster will get is not known from the repository: Flux post-build ' +
    'variables whose ConfigMap or Secret the repository does not define (or defines SOPS-encrypted) are shown as ' +
    'written, variables no source defines are substituted empty as Flux does, and HelmRelease values from such ' +
    'sources are left out. Define the source in the repository, or review those fields by hand. Make this rule an ' +
    'error to refuse such changes (as a controller with strict substitution would).',
  // The pipeline reports it from the render itself.
  check: () => [],
};

/** One finding per target for what its render could not settle, or none; `severity` as configured. */
export function renderIncompleteFinding(target: string, notes: string[], severity: Finding['severity'], file?: string): Finding | null {
  if (notes.length === 0) return null;
  return { rule: renderIncomplete.id, severity, target, message: `Target ${target}: ${notes.join('; ')}.`, ...(file ? { file } : {}), overridden: false, introduced: true };
}
