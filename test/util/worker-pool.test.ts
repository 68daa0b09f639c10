import { afterEach, describe, expect, it } from 'vitest';
import { errorData, RenderError, reviveError, UserError } from '../../src/errors.js';
import { WorkerLimitError, WorkerPool } from '../../src/util/worker-pool.js';
import { SHAPES } from '../../bench/lib/yaml-shapes.mjs';

// The YAML parser's worker serves as the worker under test: `parse` is its one call.
const entry = new URL('../../src/util/yaml-thread.js', import.meta.url);
let pool: WorkerPool;
afterEach(() => pool.close());

describe('WorkerPool', () => {
  it('answers calls on a reused worker', async () => {
    pool = new WorkerPool({ entry, size: 1 });
    const first = await pool.run('parse', ['a: 1\n', {}]);
    const second = await pool.run('parse', ['b: [x, y]\n', {}]);
    expect(first).toEqual([{ comment: '', line: 1, value: { a: 1 } }]);
    expect(second).toEqual([{ comment: '', line: 1, value: { b: ['x', 'y'] } }]);
  });

  it('ends a worker over its heap limit with a memory error, and carries on with a new one', async () => {
    pool = new WorkerPool({ entry, size: 1, resourceLimits: { maxOldGenerationSizeMb: 64 } });
    const error = await pool.run('parse', [SHAPES.flowMaps(2 * 2 ** 20), {}]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkerLimitError);
    expect(error).toMatchObject({ limit: 'memory', message: 'the worker ran out of memory (64 MB)' });
    expect(await pool.run('parse', ['c: 3\n', {}])).toEqual([{ comment: '', line: 1, value: { c: 3 } }]);
  });

  it('ends a call over its time limit with a time error', async () => {
    pool = new WorkerPool({ entry, size: 1 });
    const error = await pool.run('parse', [SHAPES.documents(2 ** 20), {}], 50).catch((e: unknown) => e);
    expect(error).toMatchObject({ limit: 'time', message: 'the worker took longer than 0.05 s' });
    expect(await pool.run('parse', ['d: 4\n', {}])).toEqual([{ comment: '', line: 1, value: { d: 4 } }]);
  });

  it('makes callers wait for a free worker when all are busy', async () => {
    pool = new WorkerPool({ entry, size: 1 });
    const lease = await pool.acquire();
    let second = false;
    const waiting = pool.run('parse', ['e: 5\n', {}]).then((value) => ((second = true), value));
    await lease.call('parse', ['f: 6\n', {}]);
    expect(second).toBe(false);
    lease.release();
    expect(await waiting).toEqual([{ comment: '', line: 1, value: { e: 5 } }]);
  });

  it('passes an error thrown in the worker back to the caller, and the worker serves on', async () => {
    pool = new WorkerPool({ entry, size: 1 });
    await expect(pool.run('nosuchcall', [])).rejects.toMatchObject({ name: 'TypeError', message: expect.stringContaining('is not a function') });
    expect(await pool.run('parse', ['g: 7\n', {}])).toEqual([{ comment: '', line: 1, value: { g: 7 } }]);
  });
});

describe('errors across threads', () => {
  it('keep their class, message, file and line', () => {
    const render = reviveError(structuredClone(errorData(new RenderError('invalid YAML: bad', 'deploy/a.yaml', 3))));
    expect(render).toBeInstanceOf(RenderError);
    expect(render).toMatchObject({ message: 'deploy/a.yaml:3: invalid YAML: bad', reason: 'invalid YAML: bad', file: 'deploy/a.yaml', line: 3 });
    const user = reviveError(structuredClone(errorData(new UserError('unknown revision'))));
    expect(user).toBeInstanceOf(UserError);
    expect(user.message).toBe('unknown revision');
    const other = reviveError(structuredClone(errorData(new RangeError('too deep'))));
    expect(other).toMatchObject({ name: 'RangeError', message: 'too deep' });
  });
});
