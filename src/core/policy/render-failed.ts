import type { Finding } from '../model.js';
import type { Rule } from './rule.js';

export const renderFailed: Rule = {
  id: 'render-failed',
  defaultSeverity: 'error',
  summary: 'A target fails to render at head',
  explanation:
    'safe-deploy could not render this target at the head revision, so nothing about it can be predicted, ' +
    'and a GitOps controller would fail on it the same way. Fix the file the message names (invalid YAML, ' +
    'a renderer error) and push again.',
  // The pipeline reports render failures itself: a failed target has no objects to check.
  check: () => [],
};

export function renderFailedFinding(target: string, message: string, file?: string, line?: number): Finding {
  return {
    rule: renderFailed.id,
    severity: renderFailed.defaultSeverity,
    target,
    message: `Target ${target} does not render: ${message}`,
    ...(file ? { file } : {}),
    ...(line ? { line } : {}),
    overridden: false,
    introduced: true,
  };
}
