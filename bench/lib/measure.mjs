// Runs a command and reports its wall time and, for node processes started
// through `node()`, its peak RSS.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PRELOAD = fileURLToPath(new URL('./peak-rss.mjs', import.meta.url));

export function run(command, args, options = {}) {
  const start = process.hrtime.bigint();
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 1 << 30, ...options });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (result.error) throw result.error;
  return { seconds, status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Runs a node script with the peak-RSS preload; adds `peakRss` in bytes. */
export function node(script, args, options = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-rss-'));
  const file = join(dir, 'rss');
  try {
    const result = run(process.execPath, ['--import', PRELOAD, script, ...args], { ...options, env: { ...process.env, PEAK_RSS_FILE: file } });
    return { ...result, peakRss: Number(readFileSync(file, 'utf8')) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}
