import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CATALOG } from '../../src/core/policy/catalog.js';
import { rulesDoc } from '../../src/report/rules-doc.js';

describe('docs/rules.md', () => {
  it('is what the catalog generates (run `npm run docs` after changing a rule)', () => {
    expect(readFileSync(new URL('../../docs/rules.md', import.meta.url), 'utf8')).toBe(rulesDoc());
  });

  it('documents every rule ID of the contract, in its order', () => {
    expect(CATALOG.map((r) => r.id)).toEqual([
      'render-failed', 'render-incomplete', 'namespace-deleted', 'crd-deleted', 'pvc-deleted', 'immutable-field-changed', 'pvc-shrunk', 'rbac-escalation',
      'api-removed', 'api-deprecated', 'schema-invalid', 'cluster-rejected', 'live-unavailable', 'image-tag-mutable', 'privileged-container', 'host-namespace', 'host-path', 'secret-in-env',
      'selector-mismatch', 'scaled-to-zero', 'replicas-reduced', 'pdb-removed', 'service-exposure-changed', 'image-tag-downgraded',
      'config-not-rolled-out', 'resources-missing', 'probes-missing', 'run-as-root',
    ]);
    const severities = Object.fromEntries(CATALOG.map((r) => [r.id, r.defaultSeverity]));
    expect(Object.entries(severities).filter(([, s]) => s === 'warning').map(([id]) => id)).toEqual([
      'api-deprecated', 'scaled-to-zero', 'replicas-reduced', 'pdb-removed', 'service-exposure-changed', 'image-tag-downgraded', 'config-not-rolled-out', 'resources-missing', 'probes-missing',
    ]);
    expect(severities['run-as-root']).toBe('notice');
  });
});
