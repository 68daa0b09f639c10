// docs/rules.md, generated from the catalog so the two never drift.
import { CATALOG } from '../core/policy/catalog.js';
import { IGNORE_ANNOTATION } from '../core/policy/engine.js';

export function rulesDoc(): string {
  const lines = [
    '# Rules',
    '',
    '<!-- Generated from src/core/policy/catalog.ts by `npm run docs`; edit the rules there. -->',
    '',
    'Every rule has an ID (a contract: configuration and overrides name it), a default severity, and an explanation with a fix.',
    'Change-aware rules compare base and head, so their findings are introduced by the change. Static rules judge the objects the',
    'merge request creates or changes, at head and at base: a finding that already held at base on the same object (followed',
    'through renames) and subject (container, env var) is inherited, shown apart as "already present" and, by default, not',
    'counted. Custom admission policies (`policy:<name>`) are split alike: the base object is judged under the base\'s policies.',
    'The verdict fails when an introduced `error` finding is not overridden, or a target fails to render.',
    '',
    'Configure them in `.safe-deploy.yml` on the base branch:',
    '',
    '```yaml',
    'policies:',
    '  rules: { image-tag-mutable: warning, probes-missing: off }   # severity or off',
    '  exclude:                                                   # every field given must match; globs allowed',
    '    - { rule: "*", namespace: kube-system }',
    '    - { rule: host-path, kind: DaemonSet, target: node-agents, path: "platform/**" }',
    '  blockOn: introduced                                        # or all: inherited findings count for the verdict too',
    '```',
    '',
    `An object annotated \`${IGNORE_ANNOTATION}: "rule-a,rule-b"\` has those findings reported as notices that say so, never silently dropped.`,
    '',
    '| Rule | Default | Fires when |',
    '| --- | --- | --- |',
    ...CATALOG.map((r) => `| [\`${r.id}\`](#${r.id}) | ${r.defaultSeverity} | ${r.summary} |`),
  ];
  for (const rule of CATALOG) {
    lines.push('', `## ${rule.id}`, '', `**Default severity:** ${rule.defaultSeverity}. ${rule.summary}.`, '', rule.explanation);
  }
  return `${lines.join('\n')}\n`;
}
