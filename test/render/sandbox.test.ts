import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openToRenderer, runSandboxed, sandboxIsolation, trimToolError } from '../../src/render/sandbox.js';
import { TestRepo, runCli } from '../helpers/git-repo.js';

const limits = { timeoutMs: 10_000, maxOutputBytes: 1024 * 1024, maxMemoryBytes: 256 * 2 ** 20 };

describe('sandbox', () => {
  beforeEach(() => {
    process.env.SAFE_DEPLOY_TEST_TOKEN = 'ghp_do-not-leak';
  });
  afterEach(() => {
    delete process.env.SAFE_DEPLOY_TEST_TOKEN;
  });

  it('runs with a minimal environment, an empty home and a dead proxy', async () => {
    const out = await runSandboxed('sh', ['-c', 'env; ls -A "$HOME" | wc -l'], { limits, label: 'env' });
    expect(out).not.toContain('ghp_do-not-leak');
    expect(out).toContain('HTTPS_PROXY=http://127.0.0.1:9');
    expect(out).toContain('GIT_ALLOW_PROTOCOL=none');
    expect(out).toMatch(/HOME=\/\S*safe-deploy-home-/);
    expect(out.trim().split('\n').pop()).toBe('0');
  });

  it('has no network interface but loopback where the system allows a private namespace', async () => {
    const out = await runSandboxed('sh', ['-c', 'cat /proc/net/dev'], { limits, label: 'net' });
    const interfaces = out.split('\n').slice(2).map((l) => l.split(':')[0]!.trim()).filter(Boolean);
    const isolated = (await import('node:child_process')).spawnSync('unshare', ['-rn', 'true']).status === 0;
    if (isolated) expect(interfaces).toEqual(['lo']);
    else expect(interfaces.length).toBeGreaterThan(0);
  });

  it('stops a process that runs too long or writes too much', async () => {
    await expect(runSandboxed('sleep', ['30'], { limits: { ...limits, timeoutMs: 300 }, label: 'sleeper' })).rejects.toThrow('sleeper took over 0.3 s; stopped');
    await expect(runSandboxed('yes', [], { limits: { ...limits, maxOutputBytes: 100_000 }, label: 'yes' })).rejects.toThrow('yes output is over the 98 KB limit; stopped');
  });

  it('reports a failure with the trimmed tool message, without temporary paths', async () => {
    await expect(runSandboxed('sh', ['-c', 'echo "E1127 11:41:21.709182   15119 run.go:72] bad thing in /tmp/xyz/tree/app/k.yaml" >&2; exit 3'], { limits, hidePaths: ['/tmp/xyz/tree'], label: 'tool' })).rejects.toThrow(
      'tool failed: bad thing in app/k.yaml',
    );
    expect(trimToolError('a\n'.repeat(50), [])).toBe(Array(12).fill('a').join(' · '));
  });
});

describe('what a renderer can see', () => {
  const SENTINEL = 'SENTINEL-server-file-b41c';
  let outside: string;
  let copy: string;
  beforeEach(() => {
    process.env.SAFE_DEPLOY_TEST_TOKEN = 'ghp_do-not-leak';
    outside = mkdtempSync(join(tmpdir(), 'safe-deploy-server-'));
    writeFileSync(join(outside, 'secret'), SENTINEL);
    chmodSync(join(outside, 'secret'), 0o600);
    copy = mkdtempSync(join(tmpdir(), 'safe-deploy-copy-'));
    writeFileSync(join(copy, 'own.txt'), 'own content\n');
  });
  afterEach(() => {
    delete process.env.SAFE_DEPLOY_TEST_TOKEN;
    delete process.env.SAFE_DEPLOY_SANDBOX;
    delete process.env.SAFE_DEPLOY_RENDER_USER;
    rmSync(outside, { recursive: true, force: true });
    rmSync(copy, { recursive: true, force: true });
  });
  const look = () =>
    runSandboxed('sh', ['-c', `id -u; cat own.txt; ls /; cat ${outside}/secret 2>&1; cat /etc/passwd 2>&1 | head -1; cat /proc/${process.pid}/environ 2>&1 | tr '\\0' '\\n'; ls /proc | grep -c '^[0-9]'`], {
      cwd: copy,
      limits,
      label: 'look',
    });

  it.runIf(sandboxIsolation().isolation === 'bwrap')('with bubblewrap: its copy, the binary and the system directories, nothing else', async () => {
    const out = (await look()).split('\n');
    expect(out).toContain('own content');
    expect(out.join('\n')).not.toContain(SENTINEL);
    expect(out.join('\n')).not.toContain('ghp_do-not-leak');
    expect(out).toContain(`cat: ${outside}/secret: No such file or directory`);
    expect(out).toContain('cat: /etc/passwd: No such file or directory');
    // The root holds only what the sandbox put there; the server's process is not even visible.
    const root = out.slice(2, out.indexOf(`cat: ${outside}/secret: No such file or directory`));
    expect(root.every((entry) => ['bin', 'dev', 'lib', 'lib32', 'lib64', 'proc', 'sbin', 'tmp', 'usr'].includes(entry))).toBe(true);
    expect(out).toContain(`cat: /proc/${process.pid}/environ: No such file or directory`);
    expect(Number(out.filter(Boolean).pop())).toBeLessThanOrEqual(4);
  });

  it.runIf(process.getuid?.() === 0)('without namespaces, as another user: the server files and environment stay closed', async () => {
    process.env.SAFE_DEPLOY_SANDBOX = 'off';
    process.env.SAFE_DEPLOY_RENDER_USER = '65534:65534';
    await openToRenderer(copy);
    const out = (await look()).split('\n');
    expect(out[0]).toBe('65534');
    expect(out).toContain('own content');
    expect(out.join('\n')).not.toContain(SENTINEL);
    expect(out.join('\n')).not.toContain('ghp_do-not-leak');
    expect(out).toContain(`cat: ${outside}/secret: Permission denied`);
    expect(out).toContain(`cat: /proc/${process.pid}/environ: Permission denied`);
  });

  it.runIf(process.getuid?.() === 0)('renders kustomize and helm targets as another user', () => {
    const repo = new TestRepo();
    try {
      const base = repo.commit({ 'chart/Chart.yaml': 'apiVersion: v2\nname: c\nversion: 1.0.0\n', 'k/kustomization.yaml': 'resources: []\n' });
      const head = repo.commit({
        'chart/templates/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: from-helm}\ndata: {v: {{ .Values.v | quote }}}\n',
        'chart/values.yaml': 'v: helm value\n',
        'k/kustomization.yaml': 'configMapGenerator:\n  - name: from-kustomize\n    literals: [v=kustomize value]\n    options: {disableNameSuffixHash: true}\n',
      });
      const result = runCli(['review', '--repo', repo.dir, '--base', base, '--head', head, '--format', 'json'], { SAFE_DEPLOY_SANDBOX: 'off', SAFE_DEPLOY_RENDER_USER: '65534:65534' });
      const targets = JSON.parse(result.stdout).targets.map((t: { name: string; status: string; changes: Array<{ action: string; name: string }> }) => [t.name, t.status, t.changes.map((c) => `${c.action} ${c.name}`)]);
      expect(targets).toEqual([
        ['k', 'ok', ['create from-kustomize']],
        ['chart', 'ok', ['create from-helm']],
      ]);
    } finally {
      repo.dispose();
    }
  });

  it('refuses to run when the isolation asked for is not available or unknown', async () => {
    process.env.SAFE_DEPLOY_SANDBOX = 'chroot';
    await expect(look()).rejects.toThrow('look not run: SAFE_DEPLOY_SANDBOX=chroot is not one of auto, bwrap, netns, off');
  });

  it('stops a renderer whose memory grows over the limit', async () => {
    // tail keeps the last line of its input: /dev/zero has none, so it grows until stopped.
    await expect(runSandboxed('tail', ['/dev/zero'], { limits: { ...limits, maxMemoryBytes: 64 * 2 ** 20 }, label: 'tail' })).rejects.toThrow(
      'tail used over 64 MB of memory (render.maxMemoryMB); stopped',
    );
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
