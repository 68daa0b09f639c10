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

  it('reads reviews and forks, and names what is wrong with them', async () => {
    const config = await parseConfig("forks: on-rerun\nreviews:\n  - when: {impacts: [exposure], namespaces: ['prod-*']}\n    require: ['@acme/security', '@alice']\n", 'cfg.yml');
    expect([config.forks, config.reviews]).toEqual(['on-rerun', [{ when: { impacts: ['exposure'], namespaces: ['prod-*'] }, require: ['@acme/security', '@alice'] }]]);
    await expect(parseConfig('reviews: [{when: {}, require: ["@a"]}]\n', 'cfg.yml')).rejects.toThrow(/reviews\.0\.when: needs at least one of impacts, rules, kinds, namespaces, targets, paths/);
    await expect(parseConfig('reviews: [{when: {impacts: [outage]}, require: ["@a"]}]\n', 'cfg.yml')).rejects.toThrow(/reviews\.0\.when\.impacts\.0: Invalid option/);
    await expect(parseConfig('reviews: [{when: {kinds: [Role]}, require: [security-team]}]\n', 'cfg.yml')).rejects.toThrow(/reviews\.0\.require\.0: must be @user or @org\/team/);
    const many = JSON.stringify(Array.from({ length: 21 }, (_, i) => `@user${i}`));
    await expect(parseConfig(`reviews: [{when: {kinds: [Role]}, require: ${many}}]\n`, 'cfg.yml')).rejects.toThrow(/reviews\.0\.require: Too big: expected array to have <=20 items/);
    await expect(parseConfig('reviews: [{when: {kinds: [Role]}, require: ["@a"], approvers: 2}]\n', 'cfg.yml')).rejects.toThrow(/reviews\.0: Unrecognized key: "approvers"/);
    await expect(parseConfig('forks: never\n', 'cfg.yml')).rejects.toThrow(/forks: Invalid option/);
  });
});

describe('live-mode config', () => {
  it('reads clusters, the target mapping and the live settings', async () => {
    const config = await parseConfig(
      `clusters:
  prod: { server: "https://prod:6443", kubeconfig: prod.yaml, context: admin@prod }
  staging: { inCluster: true }
targets:
  - { name: shop, path: deploy/shop, cluster: prod }
live:
  required: true
  targets: [{ path: "clusters/staging/**", cluster: staging }]
  timeoutSeconds: 30
  fieldManager: my-applier
`,
      '.safe-deploy.yml',
    );
    expect(config.clusters).toEqual({ prod: { server: 'https://prod:6443', kubeconfig: 'prod.yaml', context: 'admin@prod' }, staging: { inCluster: true } });
    expect(config.targets?.[0]?.cluster).toBe('prod');
    expect(config.live).toEqual({ required: true, targets: [{ path: 'clusters/staging/**', cluster: 'staging' }], timeoutSeconds: 30, fieldManager: 'my-applier' });
  });

  it('refuses a mapping to a cluster the config does not name, and inCluster with a kubeconfig', async () => {
    await expect(parseConfig('targets: [{ name: a, path: a, cluster: prod }]\n', 'cfg.yml')).rejects.toThrow('cfg.yml: targets[0].cluster: no cluster "prod" under clusters:');
    await expect(parseConfig('clusters: { a: {} }\nlive: { targets: [{ path: "x/**", cluster: b }] }\n', 'cfg.yml')).rejects.toThrow('live.targets[0].cluster: no cluster "b"');
    await expect(parseConfig('clusters: { a: { inCluster: true, kubeconfig: k } }\n', 'cfg.yml')).rejects.toThrow('clusters.a: inCluster excludes kubeconfig and context');
    await expect(parseConfig('live: { targets: [{ cluster: a }] }\nclusters: { a: {} }\n', 'cfg.yml')).rejects.toThrow('live.targets.0: needs target or path');
  });
});
