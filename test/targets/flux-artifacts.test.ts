import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { artifactLayout } from '../../src/targets/flux-artifacts.js';

// The generator of Flux's own kustomize-helm example (Flux 2.7): one artifact per layer of the monorepo.
const generator = parse(`apiVersion: source.extensions.fluxcd.io/v1beta1
kind: ArtifactGenerator
metadata: {name: flux-system, namespace: flux-system}
spec:
  sources:
    - {alias: monorepo, kind: GitRepository, name: flux-system}
  artifacts:
    - name: infrastructure
      originRevision: "@monorepo"
      copy:
        - {from: "@monorepo/infrastructure/**", to: "@artifact/"}
    - name: apps
      copy:
        - {from: "@monorepo/apps/base/**", to: "@artifact/base/"}
        - {from: "@monorepo/apps/production/**", to: "@artifact/production/"}
    - name: composed
      copy:
        - {from: "@monorepo/apps/base/**", to: "@artifact/base/"}
        - {from: "@monorepo/clusters/production/**", to: "@artifact/production/"}
    - name: filtered
      copy:
        - {from: "@monorepo/apps/**", to: "@artifact/", exclude: ["*.md"]}
    - name: files
      copy:
        - {from: "@monorepo/apps/base/*.yaml", to: "@artifact/base/"}
`);

describe('ArtifactGenerator layouts', () => {
  it('maps an artifact of whole directories, layout kept, to the repository directory its root stands for', () => {
    expect(artifactLayout(generator, 'infrastructure')).toEqual({ source: { alias: 'monorepo', kind: 'GitRepository', name: 'flux-system' }, root: 'infrastructure' });
    // apps/base/** → base/, apps/production/** → production/: the artifact root is apps/.
    expect(artifactLayout(generator, 'apps')).toEqual({ source: { alias: 'monorepo', kind: 'GitRepository', name: 'flux-system' }, root: 'apps' });
  });

  it('does not evaluate an artifact that rearranges directories, filters files or does not exist', () => {
    for (const name of ['composed', 'filtered', 'files', 'missing']) {
      expect(artifactLayout(generator, name)).toHaveProperty('problem', expect.stringContaining(`builds artifact ${name} in a way safe-deploy does not evaluate`));
    }
  });
});
