// The CLI run in the test's own process: the real `run` of src/cli/main.ts with its
// output captured, so a review costs its work and not a Node start and module load.
// Tests of the CLI contract itself (exit status of the process, memory bounds) spawn
// it instead (runCli in git-repo.ts).
import { run } from '../../src/cli/main.js';
import type { CliResult } from './git-repo.js';

/**
 * `safe-deploy ARGS` in-process, with `env` set in process.env for the call (the
 * review reads its settings at call time) and restored after. Tests in a file run
 * one at a time, so no other review sees the change.
 */
export async function cli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const saved = Object.fromEntries(Object.keys(env).map((key) => [key, process.env[key]]));
  Object.assign(process.env, env);
  try {
    const status = await run(args, { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text) });
    return { status, stdout, stderr };
  } finally {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}
