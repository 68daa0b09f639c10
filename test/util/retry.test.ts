import { describe, expect, it } from 'vitest';
import { withRetry } from '../../src/util/retry.js';

describe('withRetry', () => {
  it('backs off exponentially with full jitter through the injected sleep, then gives up', async () => {
    const waits: number[] = [];
    let calls = 0;
    const failing = withRetry(
      async () => {
        calls++;
        throw new Error('503');
      },
      () => true,
      { attempts: 4, baseMs: 100, sleep: async (ms) => void waits.push(ms) },
    );
    await expect(failing).rejects.toThrow('503');
    expect(calls).toBe(4);
    expect(waits).toHaveLength(3);
    waits.forEach((ms, i) => {
      expect(ms).toBeGreaterThanOrEqual(0);
      expect(ms).toBeLessThan(100 * 2 ** i);
    });
  });

  it('does not retry what is not retryable, and returns the first success', async () => {
    const sleep = async () => undefined;
    let calls = 0;
    await expect(withRetry(async () => Promise.reject(new Error('404')), () => false, { sleep })).rejects.toThrow('404');
    expect(await withRetry(async () => (++calls < 3 ? Promise.reject(new Error('502')) : 'ok'), () => true, { sleep })).toBe('ok');
    expect(calls).toBe(3);
  });
});
