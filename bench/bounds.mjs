#!/usr/bin/env node
// What hostile sizes cost: reading large manifests of realistic shapes (one
// ConfigMap with many keys, many small documents, nested flow maps, a long list)
// and the text diff of a big change, each in a fresh process, with its wall time
// and peak RSS (worker threads included). Pass another build (e.g. of an older
// commit) to compare. Usage: node bench/bounds.mjs [sizes in MB, default 1,4,24] [dist dir] [shapes, default all]
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { node } from './lib/measure.mjs';
import { SHAPES } from './lib/yaml-shapes.mjs';

const sizes = (process.argv[2] ?? '1,4,24').split(',').map(Number);
const dist = resolve(process.argv[3] ?? fileURLToPath(new URL('../dist', import.meta.url)));
const shapes = process.argv[4]?.split(',') ?? Object.keys(SHAPES);
const TASK = fileURLToPath(new URL('./lib/bounds-task.mjs', import.meta.url));
// A process that takes longer is stopped and reported as such.
const TIMEOUT_MS = 10 * 60_000;

function measure(args) {
  const started = performance.now();
  try {
    const r = node(TASK, args, { timeout: TIMEOUT_MS });
    const line = r.stdout.trim().split('\n').pop();
    const result = line ? JSON.parse(line) : { ok: false, error: r.status === null ? 'killed (time limit or signal)' : `exit ${r.status}: ${r.stderr.trim().split('\n').pop()}` };
    return { ...result, wall: r.seconds, rss: r.peakRss / 2 ** 20 };
  } catch (error) {
    // No peak RSS file: the process aborted (out of memory) or was killed.
    return { ok: false, error: 'the process died (out of memory?)', wall: (performance.now() - started) / 1000, rss: NaN };
  }
}

const row = (cells) => console.log(`| ${cells.join(' | ')} |`);
const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;
const outcome = (r) => (r.ok ? ('objects' in r ? plural(r.objects, 'object') : `${plural(r.diffLines, 'line')}${r.summary ? ' (summary)' : ''}`) : r.error);

console.log(`${dist} on ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GB, Node ${process.version}`);
row(['input', 'size', 'wall', 'peak RSS', 'outcome']);
row(['---', '---', '---', '---', '---']);
const dir = mkdtempSync(join(tmpdir(), 'bench-bounds-'));
try {
  for (const shape of shapes) {
    const make = SHAPES[shape];
    for (const mb of sizes) {
      const file = join(dir, `${shape}-${mb}.yaml`);
      writeFileSync(file, make(mb * 2 ** 20));
      const r = measure(['parse', dist, file]);
      row([shape, `${mb} MB`, `${r.wall.toFixed(1)} s`, `${r.rss.toFixed(0)} MB`, outcome(r)]);
      rmSync(file);
    }
  }
  for (const lines of [4_000, 16_000]) {
    const r = measure(['diff', dist, String(lines)]);
    row(['line diff, every line changed', `${lines} lines`, `${r.wall.toFixed(1)} s`, `${r.rss.toFixed(0)} MB`, outcome(r)]);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
