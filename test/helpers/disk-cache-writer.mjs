// One of several processes that share a render cache directory at once (test/util/disk-cache.test.ts):
// writes 40 keys in rounds, reads others' entries between writes, flushes (and so evicts) as it goes.
// Prints {"reads": n, "wrong": n}: a wrong read is a payload no writer stored under that key.
// Usage: node --import ./ts-threads.mjs disk-cache-writer.mjs DIR WRITER BOUND
import { createHash } from 'node:crypto';
import { DiskCache } from '../../src/util/disk-cache.js';

const [dir, writer, bound] = process.argv.slice(2);
const key = (n) => createHash('sha256').update(String(n)).digest('hex');
const payloadOf = (n, w) => `key ${n} from writer ${w}: ${'x'.repeat(1000 + ((n * 997 + Number(w) * 131) % 7000))}`;

const cache = await DiskCache.open(dir, 'shared', Number(bound));
let reads = 0;
let wrong = 0;
for (let round = 0; round < 3; round++) {
  for (let n = 0; n < 40; n++) {
    cache.put(key(n), Buffer.from(payloadOf(n, writer)));
    const other = (n * 7 + round) % 40;
    const got = await cache.get(key(other));
    if (got) {
      reads += 1;
      const w = /^key \d+ from writer (\d):/.exec(got.toString())?.[1];
      if (!w || got.toString() !== payloadOf(other, w)) wrong += 1;
    }
    if (n % 10 === 9) await cache.flush();
  }
}
await cache.flush();
process.stdout.write(JSON.stringify({ reads, wrong }));
