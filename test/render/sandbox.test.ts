import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runSandboxed, trimToolError } from '../../src/render/sandbox.js';
import { TestRepo, runCli } from '../helpers/git-repo.js';

const limits = { timeoutMs: 10_000, maxOutputBytes: 1024 * 1024 };

describe('sandbox', () => {
  beforeEach(() => {
    process.env.SAFE_DEPLOY_TEST_TOKEN = 'ghp_do-not-leak';
  });
  afterEach(() => {
    delete process.env.SAFE_DEPLOY_TEST_TOKEN;
  });

  it('runs with a minimal environment, an empty home and a dead proxy', async () => {
    const out = await runSandboxed('sh', ['-c', 'env; ls -A "$HOME" | wc -l'], { cwd: '/', limits, label: 'env' });
    expect(out).not.toContain('ghp_do-not-leak');
    expect(out).toContain('HTTPS_PROXY=http://127.0.0.1:9');
    expect(out).toContain('GIT_ALLOW_PROTOCOL=none');
    expect(out).toMatch(/HOME=\/\S*safe-deploy-home-/);
    expect(out.trim().split('\n').pop()).toBe('0');
  });

  it('has no network interface but loopback where the system allows a private namespace', async () => {
    const out = await runSandboxed('sh', ['-c', 'cat /proc/net/dev'], { cwd: '/', limits, label: 'net' });
    const interfaces = out.split('\n').slice(2).map((l) => l.split(':')[0]!.trim()).filter(Boolean);
    const isolated = (await import('node:child_process')).spawnSync('unshare', ['-rn', 'true']).status === 0;
    if (isolated) expect(interfaces).toEqual(['lo']);
    else expect(interfaces.length).toBeGreaterThan(0);
  });

  it('stops a process that runs too long or writes too much', async () => {
    await expect(runSandboxed('sleep', ['30'], { cwd: '/', limits: { ...limits, timeoutMs: 300 }, label: 'sleeper' })).rejects.toThrow('sleeper took over 0.3 s; stopped');
    await expect(runSandboxed('yes', [], { cwd: '/', limits: { ...limits, maxOutputBytes: 100_000 }, label: 'yes' })).rejects.toThrow('yes output is over the 98 KB limit; stopped');
  });

  it('reports a failure with the trimmed tool message, without temporary paths', async () => {
    await expect(runSandboxed('sh', ['-c', 'echo "E1127 11:41:21.709182   15119 run.go:72] bad thing in /tmp/xyz/tree/app/k.yaml" >&2; exit 3'], { cwd: '/', limits, hidePaths: ['/tmp/xyz/tree'], label: 'tool' })).rejects.toThrow(
      'tool failed: bad thing in app/k.yaml',
    );
    expect(trimToolError('a\n'.repeat(50), [])).toBe(Array(12).fill('a').join(' · '));
  });
});

describe('tool lookup', () => {
  it('names the variable when SAFE_DEPLOY_HELM or SAFE_DEPLOY_KUSTOMIZE is wrong', () => {
    const repo = new TestRepo();
    try {
      const base = repo.commit({ 'chart/Chart.yaml': 'apiVersion: v2\nname: c\nversion: 1.0.0\n', 'k/kustomization.yaml': 'resources: []\n' });
      const head = repo.commit({ 'chart/values.yaml': 'a: 1\n', 'k/kustomization.yaml': 'resources: []\ncommonLabels: {a: b}\n' });
      const result = runCli(['review', '--repo', repo.dir, '--base', base, '--head', head, '--format', 'json'], {
        SAFE_DEPLOY_HELM: '/nonexistent/helm',
        SAFE_DEPLOY_KUSTOMIZE: '/nonexistent/kustomize',
      });
      const errors = JSON.parse(result.stdout).targets.map((t: { name: string; error: string }) => `${t.name}: ${t.error}`);
      expect(errors).toEqual([
        'k: SAFE_DEPLOY_KUSTOMIZE=/nonexistent/kustomize is not an executable file',
        'chart: SAFE_DEPLOY_HELM=/nonexistent/helm is not an executable file',
      ]);
    } finally {
      repo.dispose();
    }
  });
});
