// Running a renderer binary on untrusted content. The renderer sees only its
// copy: in a private mount, network, PID and user namespace (bubblewrap) where
// the system allows one — the copy, the binary and the system libraries, no
// /etc, no server files, a /proc of its own — else in a private network
// namespace (`unshare -rn`), else as it is. Optionally under another uid
// (SAFE_DEPLOY_RENDER_USER), so that the server's files and /proc/<server>/environ
// stay closed to it even without namespaces. Always: an unreachable proxy, an
// empty home, a minimal environment, and limits on time, output and memory.
import { spawn, spawnSync } from 'node:child_process';
import { chmod, chown, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { RenderError } from '../errors.js';
import { formatBytes } from '../util/bytes.js';
import { onPath } from './path-lookup.js';

export interface Limits {
  timeoutMs: number;
  maxOutputBytes: number;
  /** Resident memory of the renderer's whole process tree. */
  maxMemoryBytes: number;
}

export const DEFAULT_LIMITS: Limits = { timeoutMs: 60_000, maxOutputBytes: 64 * 2 ** 20, maxMemoryBytes: 1024 * 2 ** 20 };

const MAX_ERROR_CHARS = 1500;
const MAX_ERROR_LINES = 12;
const MEMORY_POLL_MS = 50;
// Any proxy-aware client (Go's net/http, git) fails at once against this.
const DEAD_PROXY = 'http://127.0.0.1:9';
// What a dynamically linked binary needs of the system; none of it holds the server's files.
const SYSTEM_DIRS = ['/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64'];

export type Isolation = 'bwrap' | 'netns' | 'none';

function works(command: string, args: string[]): boolean {
  return spawnSync(command, args, { stdio: 'ignore', timeout: 5000 }).status === 0;
}

const detected = new Map<string, { isolation: Isolation; problem?: string }>();

/**
 * How renderers are isolated here. SAFE_DEPLOY_SANDBOX=auto (default) takes the
 * strongest that works; `bwrap` or `netns` demand one (renders fail when it is
 * not available); `off` takes none (for systems that isolate the server otherwise).
 */
export function sandboxIsolation(): { isolation: Isolation; problem?: string } {
  const wanted = process.env.SAFE_DEPLOY_SANDBOX || 'auto';
  let found = detected.get(wanted);
  if (!found) {
    found = detect(wanted);
    detected.set(wanted, found);
  }
  return found;
}

function detect(wanted: string): { isolation: Isolation; problem?: string } {
  const bwrap = () => works('bwrap', bwrapArgs(realpathSync(onPath('true') ?? '/bin/true'), [], tmpdir(), [], tmpdir()));
  const netns = () => works('unshare', ['-rn', 'true']);
  switch (wanted) {
    case 'auto':
      return { isolation: bwrap() ? 'bwrap' : netns() ? 'netns' : 'none' };
    case 'bwrap':
    case 'netns':
      return (wanted === 'bwrap' ? bwrap() : netns())
        ? { isolation: wanted }
        : { isolation: wanted, problem: `SAFE_DEPLOY_SANDBOX=${wanted}, but ${wanted === 'bwrap' ? 'bubblewrap (bwrap)' : 'unshare -rn'} cannot run here` };
    case 'off':
      return { isolation: 'none' };
    default:
      return { isolation: 'none', problem: `SAFE_DEPLOY_SANDBOX=${wanted} is not one of auto, bwrap, netns, off` };
  }
}

/** The uid and gid renderers run as (SAFE_DEPLOY_RENDER_USER="uid:gid"), or null to keep the server's. */
export function renderUser(): { uid: number; gid: number } | null {
  const value = process.env.SAFE_DEPLOY_RENDER_USER;
  if (!value) return null;
  const match = /^(\d+):(\d+)$/.exec(value.trim());
  if (!match) throw new RenderError(`SAFE_DEPLOY_RENDER_USER=${value} must be "uid:gid" (numbers)`);
  return { uid: Number(match[1]), gid: Number(match[2]) };
}

/**
 * Lets the render user read `dir` (a private temporary directory the server
 * made): its parent may be traversed, not listed. Without a render user the
 * renderer runs as the server and nothing changes.
 */
export async function openToRenderer(dir: string): Promise<void> {
  if (!renderUser()) return;
  await chmod(dirname(dir), 0o711);
  await chmod(dir, 0o755);
}

function bwrapArgs(command: string, args: string[], cwd: string, readable: string[], home: string): string[] {
  const bind = (flag: string, path: string) => [flag, path, path];
  return [
    '--unshare-all',
    '--die-with-parent',
    '--new-session',
    '--cap-drop',
    'ALL',
    ...SYSTEM_DIRS.flatMap((dir) => bind('--ro-bind-try', dir)),
    '--proc',
    '/proc',
    '--dev',
    '/dev',
    '--tmpfs',
    '/tmp',
    ...bind('--ro-bind', command),
    ...bind('--bind', home),
    ...bind('--ro-bind', cwd),
    ...readable.flatMap((path) => bind('--ro-bind', path)),
    '--chdir',
    cwd,
    '--',
    command,
    ...args,
  ];
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

/** Resident bytes of a process and all its descendants (0 for what has already gone). */
async function treeResidentBytes(pid: number): Promise<number> {
  let total = 0;
  const pending = [pid];
  while (pending.length > 0) {
    const current = pending.pop()!;
    try {
      const status = await readFile(`/proc/${current}/status`, 'utf8');
      total += Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? 0) * 1024;
      for (const task of await readdir(`/proc/${current}/task`)) {
        const children = await readFile(`/proc/${current}/task/${task}/children`, 'utf8').catch(() => '');
        pending.push(...children.split(' ').filter(Boolean).map(Number));
      }
    } catch {
      // The process ended between two reads.
    }
  }
  return total;
}

export interface RunOptions {
  /** The one directory the tool works in and reads: the render copy. */
  cwd?: string;
  /** Further files or directories the tool reads (e.g. inline values). */
  readable?: string[];
  limits: Limits;
  /** Paths to strip from error messages (the temporary checkout). */
  hidePaths?: string[];
  /** What the error message calls the command, e.g. "kustomize build". */
  label: string;
}

/** Runs `command args` in the sandbox; stdout on success, a RenderError otherwise. */
export async function runSandboxed(command: string, args: string[], options: RunOptions): Promise<string> {
  const { isolation, problem } = sandboxIsolation();
  if (problem) throw new RenderError(`${options.label} not run: ${problem}`);
  const user = renderUser();
  const home = await mkdtemp(join(tmpdir(), 'safe-deploy-home-'));
  try {
    if (user) await chown(home, user.uid, user.gid);
    const cwd = options.cwd ?? home;
    const binary = realpathSync(command.includes('/') ? command : (onPath(command) ?? command));
    const argv =
      isolation === 'bwrap'
        ? ['bwrap', ...bwrapArgs(binary, args, cwd, options.readable ?? [], home)]
        : isolation === 'netns'
          ? ['unshare', '-rn', '--', binary, ...args]
          : [binary, ...args];
    return await run(argv, { cwd, env: sandboxEnv(home), user }, options);
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}

function run(argv: string[], spawnOptions: { cwd: string; env: NodeJS.ProcessEnv; user: { uid: number; gid: number } | null }, options: RunOptions): Promise<string> {
  const { limits, label } = options;
  return new Promise<string>((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), {
      cwd: spawnOptions.cwd,
      env: spawnOptions.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
      ...(spawnOptions.user ?? {}),
    });
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
    const timer = setTimeout(() => kill(new RenderError(`${label} took over ${limits.timeoutMs / 1000} s; stopped`)), limits.timeoutMs);
    let polling = false;
    const memory = setInterval(() => {
      if (polling || child.pid === undefined) return;
      polling = true;
      void treeResidentBytes(child.pid)
        .then((bytes) => {
          if (bytes > limits.maxMemoryBytes) kill(new RenderError(`${label} used over ${formatBytes(limits.maxMemoryBytes)} of memory (render.maxMemoryMB); stopped`));
        })
        .finally(() => (polling = false));
    }, MEMORY_POLL_MS);
    const stop = () => {
      clearTimeout(timer);
      clearInterval(memory);
    };
    child.stdout.on('data', (chunk: Buffer) => {
      outBytes += chunk.length;
      if (outBytes > limits.maxOutputBytes) {
        kill(new RenderError(`${label} output is over the ${formatBytes(limits.maxOutputBytes)} limit; stopped`));
        return;
      }
      out.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if (err.reduce((n, b) => n + b.length, 0) < 64 * 1024) err.push(chunk);
    });
    child.on('error', (error) => {
      stop();
      const code = (error as NodeJS.ErrnoException).code;
      const hint = code === 'EPERM' && spawnOptions.user ? ' (SAFE_DEPLOY_RENDER_USER needs a server allowed to change user: root, or CAP_SETUID and CAP_SETGID)' : '';
      reject(new RenderError(`${label} could not start: ${error.message}${hint}`));
    });
    child.on('close', (code) => {
      stop();
      if (failure) return reject(failure);
      if (code !== 0) {
        const message = trimToolError(Buffer.concat(err).toString('utf8'), options.hidePaths ?? []);
        return reject(new RenderError(`${label} failed: ${message}`));
      }
      resolve(Buffer.concat(out).toString('utf8'));
    });
  });
}
