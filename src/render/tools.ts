// Finding the renderer binaries: SAFE_DEPLOY_HELM / SAFE_DEPLOY_KUSTOMIZE, then
// PATH (kustomize, or kubectl as `kubectl kustomize`), then the copies that
// `npm ci` extracts into .tools/bin.
import { readFileSync, writeFileSync } from 'node:fs';
import { binaryIdentity } from './cache.js';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { executable, onPath } from './path-lookup.js';
import { fileURLToPath } from 'node:url';
import { RenderError } from '../errors.js';
import { DEFAULT_LIMITS, runSandboxed } from './sandbox.js';

export interface Tool {
  /** Executable path. */
  command: string;
  /** Arguments that select the build command (`kustomize build` or `kubectl kustomize`). */
  prefix: string[];
  /** e.g. "kustomize v5.7.1"; asked in the background, so rendering need not wait for it. */
  version: Promise<string>;
}

const BUNDLED = fileURLToPath(new URL('../../.tools/bin', import.meta.url));

// Versions are remembered on disk by binary path, size and modification time:
// asking a large binary for its version costs as much as a render.
const VERSION_CACHE = join(tmpdir(), 'safe-deploy-tool-versions.json');

function cachedVersions(): Record<string, string> {
  try {
    return JSON.parse(readFileSync(VERSION_CACHE, 'utf8')) as Record<string, string>;
  } catch {
    return {};
  }
}

/** The binary as the footer names it ("helm v4.1.0", "kubectl v1.35.0 (kustomize v5.7.1)"), from its version output. */
async function versionOf(command: string, args: string[], describe: (out: string) => string | undefined): Promise<string> {
  const identity = `${binaryIdentity(command)}|named`;
  const known = cachedVersions()[identity];
  if (known) return known;
  const unknown = `${basename(command)} (unknown version)`;
  try {
    const out = await runSandboxed(command, args, { limits: { ...DEFAULT_LIMITS, timeoutMs: 20_000 }, label: `${basename(command)} version` });
    const version = describe(out);
    if (!version) return unknown;
    try {
      writeFileSync(VERSION_CACHE, JSON.stringify({ ...cachedVersions(), [identity]: version }));
    } catch {
      // An unwritable temp directory only costs the next run a version check.
    }
    return version;
  } catch {
    return unknown;
  }
}

function matched(pattern: RegExp, text: string, name: (found: string) => string | undefined): string | undefined {
  const found = pattern.exec(text)?.[1];
  return found === undefined ? undefined : name(found);
}

async function findHelm(): Promise<Tool> {
  const configured = process.env.SAFE_DEPLOY_HELM;
  const command = configured || onPath('helm') || (executable(join(BUNDLED, 'helm')) ? join(BUNDLED, 'helm') : null);
  if (!command || !executable(command)) {
    throw new RenderError(
      configured
        ? `SAFE_DEPLOY_HELM=${configured} is not an executable file`
        : 'helm not found: install helm (https://helm.sh) on PATH, or set SAFE_DEPLOY_HELM to its path',
    );
  }
  const version = versionOf(command, ['version', '--template', 'v{{.Version}}'], (out) => matched(/v?(v\d[^\s]*)/, out, (v) => `helm ${v}`));
  return { command, prefix: ['template'], version };
}

async function findKustomize(): Promise<Tool> {
  const configured = process.env.SAFE_DEPLOY_KUSTOMIZE;
  const candidates = configured
    ? [configured]
    : [onPath('kustomize'), onPath('kubectl'), join(BUNDLED, 'kubectl')].filter((c): c is string => c !== null);
  const command = candidates.find(executable);
  if (!command) {
    throw new RenderError(
      configured
        ? `SAFE_DEPLOY_KUSTOMIZE=${configured} is not an executable file`
        : 'kustomize not found: install kustomize or kubectl on PATH, or set SAFE_DEPLOY_KUSTOMIZE to its path',
    );
  }
  if (basename(command).startsWith('kubectl')) {
    const version = versionOf(command, ['version', '--client'], (out) =>
      matched(/Client Version:\s*(\S+)/, out, (kubectl) => matched(/Kustomize Version:\s*(\S+)/, out, (kustomize) => `kubectl ${kubectl} (kustomize ${kustomize})`)),
    );
    return { command, prefix: ['kustomize'], version };
  }
  const version = versionOf(command, ['version'], (out) => matched(/(v\d+\.\d+\.\d+)/, out, (v) => `kustomize ${v}`));
  return { command, prefix: ['build'], version };
}

const found = new Map<string, Promise<Tool>>();

/** The tool, looked up once per process. */
export function findTool(name: 'helm' | 'kustomize'): Promise<Tool> {
  let tool = found.get(name);
  if (!tool) {
    tool = name === 'helm' ? findHelm() : findKustomize();
    found.set(name, tool);
    // A failed lookup is retried next time: the user may install the tool meanwhile.
    tool.catch(() => found.delete(name));
  }
  return tool;
}
