// Running a renderer binary on untrusted content: offline (a private network
// namespace where the system allows one, and an unreachable proxy always), with
// an empty home (no Helm plugins, repositories or credentials), a minimal
// environment, a time limit and an output limit.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RenderError } from '../errors.js';
import { formatBytes } from '../util/bytes.js';

export interface Limits {
  timeoutMs: number;
  maxOutputBytes: number;
}

export const DEFAULT_LIMITS: Limits = { timeoutMs: 60_000, maxOutputBytes: 64 * 2 ** 20 };

const MAX_ERROR_CHARS = 1500;
const MAX_ERROR_LINES = 12;
// Any proxy-aware client (Go's net/http, git) fails at once against this.
const DEAD_PROXY = 'http://127.0.0.1:9';

let isolation: string[] | undefined;

/** `unshare -rn` when this system lets an unprivileged process drop its network, else nothing. */
function networkIsolation(): string[] {
  if (isolation === undefined) {
    const probe = spawnSync('unshare', ['-rn', 'true'], { stdio: 'ignore', timeout: 5000 });
    isolation = probe.status === 0 ? ['unshare', '-rn', '--'] : [];
  }
  return isolation;
}

function sandboxEnv(home: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    TMPDIR: home,
    XDG_CONFIG_HOME: join(home, 'config'),
    XDG_CACHE_HOME: join(home, 'cache'),
    XDG_DATA_HOME: join(home, 'data'),
    HELM_CONFIG_HOME: join(home, 'helm-config'),
    HELM_CACHE_HOME: join(home, 'helm-cache'),
    HELM_DATA_HOME: join(home, 'helm-data'),
    HELM_PLUGINS: join(home, 'no-plugins'),
    KUSTOMIZE_PLUGIN_HOME: join(home, 'no-plugins'),
    HTTP_PROXY: DEAD_PROXY,
    HTTPS_PROXY: DEAD_PROXY,
    http_proxy: DEAD_PROXY,
    https_proxy: DEAD_PROXY,
    NO_PROXY: '',
    no_proxy: '',
    GIT_ALLOW_PROTOCOL: 'none',
    GIT_TERMINAL_PROMPT: '0',
    GIT_CONFIG_NOSYSTEM: '1',
    LC_ALL: 'C',
  };
}

/** The tool's own error, trimmed, with temporary paths made repository-relative. */
export function trimToolError(stderr: string, hidePaths: string[]): string {
  let text = stderr;
  for (const path of hidePaths) text = text.split(`${path}/`).join('').split(path).join('.');
  const lines = text
    .split('\n')
    // kubectl's log prefix ("E1127 11:41:21.709182   15119 run.go:72] ") and its "command failed" wrapper say nothing.
    .map((l) => l.replace(/^[EWI]\d{4} [\d:.]+\s+\d+ [\w.]+:\d+\] /, '').replace(/^"command failed" err="(.*)"$/, '$1').trim())
    .filter(Boolean);
  const kept = lines.slice(0, MAX_ERROR_LINES).join(' · ');
  return kept.length > MAX_ERROR_CHARS ? `${kept.slice(0, MAX_ERROR_CHARS)}…` : kept || 'failed with no message';
}

export interface RunOptions {
  cwd: string;
  limits: Limits;
  /** Paths to strip from error messages (the temporary checkout). */
  hidePaths?: string[];
  /** What the error message calls the command, e.g. "kustomize build". */
  label: string;
}

/** Runs `command args` in the sandbox; stdout on success, a RenderError otherwise. */
export async function runSandboxed(command: string, args: string[], options: RunOptions): Promise<string> {
  const home = await mkdtemp(join(tmpdir(), 'safe-deploy-home-'));
  const [program, ...rest] = [...networkIsolation(), command, ...args];
  try {
    return await new Promise<string>((resolve, reject) => {
      const child = spawn(program!, rest, { cwd: options.cwd, env: sandboxEnv(home), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let outBytes = 0;
      let failure: RenderError | null = null;
      const kill = (error: RenderError) => {
        failure ??= error;
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          child.kill('SIGKILL');
        }
      };
      const timer = setTimeout(() => kill(new RenderError(`${options.label} took over ${options.limits.timeoutMs / 1000} s; stopped`)), options.limits.timeoutMs);
      child.stdout.on('data', (chunk: Buffer) => {
        outBytes += chunk.length;
        if (outBytes > options.limits.maxOutputBytes) {
          kill(new RenderError(`${options.label} output is over the ${formatBytes(options.limits.maxOutputBytes)} limit; stopped`));
          return;
        }
        out.push(chunk);
      });
      child.stderr.on('data', (chunk: Buffer) => {
        if (err.reduce((n, b) => n + b.length, 0) < 64 * 1024) err.push(chunk);
      });
      child.on('error', (error) => {
        clearTimeout(timer);
        reject(new RenderError(`${options.label} could not start: ${error.message}`));
      });
      child.on('close', (code) => {
        clearTimeout(timer);
        if (failure) return reject(failure);
        if (code !== 0) {
          const message = trimToolError(Buffer.concat(err).toString('utf8'), options.hidePaths ?? []);
          return reject(new RenderError(`${options.label} failed: ${message}`));
        }
        resolve(Buffer.concat(out).toString('utf8'));
      });
    });
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}
