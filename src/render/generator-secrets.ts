// The values a kustomization's secretGenerators hold, read from their sources:
// kustomize's error about a generator can echo any of them ("invalid literal
// source KEY:value"), so a failed build carries them, to be scrubbed.
import type { Snapshot } from '../repo/snapshot.js';
import type { KustomizeInputs } from './kustomize-inputs.js';

/** The value of a "KEY=value" source, as written and unquoted; the whole source when it has no "=" (a mistyped one). */
function valueOf(source: string): string[] {
  const equals = source.indexOf('=');
  if (equals === -1) return [source];
  const value = source.slice(equals + 1);
  const unquoted = /^(["'])(.*)\1$/s.exec(value)?.[2];
  return unquoted === undefined ? [value] : [value, unquoted];
}

const lines = (text: string) => text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));

/**
 * The secret values of a kustomization's generators. Env files must be text
 * (kustomize's error for other bytes echoes the line, in bytes no scrubbing
 * finds): one that is not fails here, naming the file, before kustomize runs.
 */
export async function generatorSecrets(snapshot: Snapshot, inputs: KustomizeInputs): Promise<string[]> {
  const envs = await Promise.all(inputs.secretEnvFiles.map((file) => snapshot.readText(file)));
  // A content file that cannot be read as text holds no text to hide; kustomize reports a missing one by name.
  const files = await Promise.all(inputs.secretFiles.map((file) => snapshot.readText(file).catch(() => '')));
  return [...inputs.secretLiterals.flatMap(valueOf), ...envs.flatMap((text) => lines(text).flatMap(valueOf)), ...files.flatMap((text) => [text, ...lines(text)])];
}
