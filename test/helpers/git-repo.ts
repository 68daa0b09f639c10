// Real git repositories in temp directories, for tests.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Test',
  GIT_AUTHOR_EMAIL: 'test@example.com',
  GIT_COMMITTER_NAME: 'Test',
  GIT_COMMITTER_EMAIL: 'test@example.com',
  GIT_CONFIG_NOSYSTEM: '1',
};

export class TestRepo {
  readonly dir: string;

  constructor() {
    this.dir = mkdtempSync(join(tmpdir(), 'safe-deploy-test-'));
    this.git('init', '-q', '-b', 'main');
  }

  git(...args: string[]): string {
    return execFileSync('git', args, { cwd: this.dir, env: GIT_ENV, encoding: 'utf8' }).trim();
  }

  /** Writes files (path → content; null deletes) and commits them; returns the new SHA. */
  commit(files: Record<string, string | null>, message = 'change'): string {
    for (const [path, content] of Object.entries(files)) {
      const full = join(this.dir, path);
      if (content === null) {
        rmSync(full, { force: true });
      } else {
        mkdirSync(dirname(full), { recursive: true });
        writeFileSync(full, content);
      }
    }
    this.git('add', '-A');
    this.git('commit', '-q', '--allow-empty', '-m', message);
    return this.git('rev-parse', 'HEAD');
  }

  /**
   * A merge request head on top of `base` that exists only under `ref`
   * (refs/pull/N/head, refs/merge-requests/N/head), as for a fork; main stays checked out.
   */
  pushHead(base: string, ref: string, files: Record<string, string | null>): string {
    this.git('checkout', '-q', '-B', 'mr-work', base);
    const head = this.commit(files);
    this.git('update-ref', ref, head);
    this.git('checkout', '-q', 'main');
    this.git('branch', '-q', '-D', 'mr-work');
    return head;
  }

  symlink(path: string, target: string): void {
    mkdirSync(dirname(join(this.dir, path)), { recursive: true });
    symlinkSync(target, join(this.dir, path));
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

const BIN = fileURLToPath(new URL('../../bin/safe-deploy.js', import.meta.url));

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI as a user would: for tests of the command-line contract itself (in-process reviews: helpers/cli.ts). */
export function runCli(args: string[], env: Record<string, string> = {}): CliResult {
  const result = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...GIT_ENV, ...env } });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

// Shared with the benchmarks: writes the process's peak RSS to $PEAK_RSS_FILE on exit.
const PEAK_RSS = fileURLToPath(new URL('../../bench/lib/peak-rss.mjs', import.meta.url));

/** runCli, also measuring the peak memory of the whole CLI process (its threads included); null when it died before exiting. */
export function runCliMeasured(args: string[], env: Record<string, string> = {}): CliResult & { peakRssMB: number | null } {
  const dir = mkdtempSync(join(tmpdir(), 'safe-deploy-rss-'));
  try {
    const file = join(dir, 'rss');
    const result = spawnSync(process.execPath, ['--import', PEAK_RSS, BIN, ...args], { encoding: 'utf8', maxBuffer: 256 * 2 ** 20, env: { ...GIT_ENV, ...env, PEAK_RSS_FILE: file } });
    let peakRssMB: number | null = null;
    try {
      peakRssMB = Number(readFileSync(file, 'utf8')) / 2 ** 20;
    } catch {
      // no file: the process was killed or aborted
    }
    return { status: result.status, stdout: result.stdout, stderr: result.stderr, peakRssMB };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
