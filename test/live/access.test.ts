import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { liveAccess, localLiveSpec, operatorLiveSpec } from '../../src/live/access.js';

let dir: string;
let outside: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sd-access-'));
  outside = join(dir, 'outside');
  await mkdir(join(dir, 'kubeconfigs'));
  await mkdir(outside);
  await writeFile(join(dir, 'kubeconfigs', 'prod.yaml'), 'apiVersion: v1\nkind: Config\n');
  await writeFile(join(outside, 'secret.yaml'), 'apiVersion: v1\nkind: Config\n');
  await symlink(join(outside, 'secret.yaml'), join(dir, 'kubeconfigs', 'link.yaml'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("the operator's access (server, CI mode)", () => {
  it('is off unless the operator allows kubeconfig files or the in-cluster account', () => {
    expect(operatorLiveSpec({})).toBeNull();
    expect(operatorLiveSpec({ SAFE_DEPLOY_IN_CLUSTER: 'yes' })).toBeNull();
    expect(operatorLiveSpec({ SAFE_DEPLOY_IN_CLUSTER: 'true' })).toEqual({ kind: 'operator', inCluster: true });
  });

  it('reads only file names of its directory: no path, no link out of it', async () => {
    const access = liveAccess(operatorLiveSpec({ SAFE_DEPLOY_KUBECONFIG_DIR: join(dir, 'kubeconfigs') })!);
    const resolve = (kubeconfig: string) => access.resolve('prod', { kubeconfig, context: 'ctx' });
    expect(await resolve('prod.yaml')).toEqual({ connection: { name: 'prod', kubeconfig: expect.stringMatching(/kubeconfigs\/prod\.yaml$/), context: 'ctx' } });
    for (const name of ['../outside/secret.yaml', '/etc/passwd', join(outside, 'secret.yaml'), '.hidden', 'sub/prod.yaml']) {
      expect(await resolve(name)).toEqual({ refused: expect.stringContaining('must be a file name') });
    }
    expect(await resolve('link.yaml')).toEqual({ refused: expect.stringContaining('is not in the server') });
    expect(await resolve('missing.yaml')).toEqual({ refused: 'no kubeconfig "missing.yaml" in the server\'s kubeconfig directory' });
    expect(await access.resolve('local', { inCluster: true })).toEqual({ refused: expect.stringContaining('SAFE_DEPLOY_IN_CLUSTER') });
    expect(await access.resolve('bare', {})).toEqual({ refused: expect.stringContaining('no kubeconfig or inCluster') });
  });

  it('lets inCluster clusters use the service account only when allowed', async () => {
    const access = liveAccess(operatorLiveSpec({ SAFE_DEPLOY_IN_CLUSTER: 'true' })!);
    expect(await access.resolve('local', { inCluster: true })).toEqual({ connection: { name: 'local', inCluster: true } });
    expect(await access.resolve('prod', { kubeconfig: 'prod.yaml' })).toEqual({ refused: expect.stringContaining('SAFE_DEPLOY_KUBECONFIG_DIR') });
  });
});

describe("the CLI's access", () => {
  it('--kubeconfig/--context check every target against one cluster', () => {
    const access = liveAccess(localLiveSpec({ kubeconfig: 'kc.yaml', context: 'staging', cwd: dir, env: {} }));
    expect(access.single).toEqual({ name: 'staging', kubeconfig: join(dir, 'kc.yaml'), context: 'staging' });
    expect(access.fallback).toBeUndefined();
  });

  it("without them, the config's clusters, else the default kubeconfig", async () => {
    const access = liveAccess(localLiveSpec({ cwd: dir, env: { KUBECONFIG: `/k/one.yaml:/k/two.yaml` } }));
    expect(access.single).toBeUndefined();
    expect(access.fallback).toEqual({ name: 'local', kubeconfig: '/k/one.yaml' });
    expect(await access.resolve('prod', { kubeconfig: 'conf/prod.yaml', context: 'p' })).toEqual({ connection: { name: 'prod', kubeconfig: join(dir, 'conf/prod.yaml'), context: 'p' } });
  });
});
