// One measured task of bench/bounds.mjs, in a process of its own:
//   parse <dist> <file>   parseObjects on a manifest file
//   diff <dist> <lines>   the text diff of a ConfigMap whose <lines> data lines all change
// Prints one JSON line: ok, objects or diff lines, or the error.
import { readFileSync } from 'node:fs';

const [task, dist, arg] = process.argv.slice(2);
const started = performance.now();
const seconds = () => (performance.now() - started) / 1000;
try {
  if (task === 'parse') {
    const { parseObjects } = await import(`${dist}/util/manifests.js`);
    const objects = await parseObjects(readFileSync(arg, 'utf8'), 'bench.yaml', 'default');
    console.log(JSON.stringify({ ok: true, objects: objects.length, seconds: seconds() }));
  } else {
    const [{ diffResources }, { toResource }] = await Promise.all([import(`${dist}/core/diff/index.js`), import(`${dist}/core/resource.js`)]);
    const data = (value) => Object.fromEntries(Array.from({ length: Number(arg) }, (_, i) => [`key-${i}`, `${value}-${i}`]));
    const cm = (value) => toResource({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'big' }, data: data(value) }, 'default', { file: 'bench.yaml' });
    const [change] = diffResources([cm('old')], [cm('new')]);
    const lines = change.diff.split('\n');
    console.log(JSON.stringify({ ok: true, diffLines: lines.length, summary: lines[2]?.startsWith('# ') ?? false, seconds: seconds() }));
  }
} catch (error) {
  console.log(JSON.stringify({ ok: false, error: error.message.split('\n')[0], seconds: seconds() }));
}
