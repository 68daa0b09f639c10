import { describe, expect, it } from 'vitest';
import { defaultConfig, parseConfig } from '../../src/config/load.js';
import { configSchema } from '../../src/config/schema.js';

describe('config', () => {
  it('has a default equal to what the schema makes of an empty file', async () => {
    expect(defaultConfig()).toEqual(configSchema.parse({}));
    expect(await parseConfig('', '.safe-deploy.yml')).toEqual(defaultConfig());
  });

  it('reads the contract example', async () => {
    const config = await parseConfig(
      `targets:
  - name: shop-prod
    path: deploy/overlays/prod/
    renderer: kustomize
    namespace: shop
    kubernetesVersion: "1.31"
    helm: { releaseName: shop, valueFiles: [values-prod.yaml] }
policies:
  rules: { image-tag-mutable: error, probes-missing: off }
  exclude: [{ rule: "*", namespace: kube-system }]
  custom: [policies/]
commands:
  override: [maintainers]
`,
      '.safe-deploy.yml',
    );
    expect(config.targets?.[0]).toMatchObject({ name: 'shop-prod', path: 'deploy/overlays/prod', renderer: 'kustomize', kubernetesVersion: '1.31' });
    expect(config.policies.rules).toEqual({ 'image-tag-mutable': 'error', 'probes-missing': 'off' });
    expect(config.policies.custom).toEqual(['policies']);
    expect(config.commands.override).toEqual(['maintainers']);
  });

  it('names the file and every bad field', async () => {
    await expect(parseConfig('policies:\n  rules: { x: fatal }\n', 'cfg.yml')).rejects.toThrow(/^cfg\.yml: policies\.rules\.x: Invalid option/);
    await expect(parseConfig('targets: [{ name: a, path: /etc }]\n', 'cfg.yml')).rejects.toThrow(/targets\.0\.path: must be a path inside the repository/);
    await expect(parseConfig('targets: [oops\n', 'cfg.yml')).rejects.toThrow(/^cfg\.yml: invalid YAML/);
  });
});
