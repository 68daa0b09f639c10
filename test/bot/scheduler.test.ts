// The scheduler alone: its concurrency limit, newest-wins tickets, the write
// lock per merge request, delivery dedupe and idle, with gates instead of
// reviews (the load of many merge requests at once is bench/load.mjs).
import { describe, expect, it } from 'vitest';
import { ReviewScheduler } from '../../src/bot/scheduler.js';

/** A task that runs until the test opens its gate, counting how many run at once. */
function gatedTasks(count: number) {
  let running = 0;
  let peak = 0;
  const started: number[] = [];
  const opens: Array<() => void> = [];
  const tasks = Array.from({ length: count }, (_, n) => async () => {
    started.push(n);
    peak = Math.max(peak, ++running);
    await new Promise<void>((resolve) => opens.push(resolve));
    running--;
  });
  return { tasks, started, opens, peak: () => peak };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('the review scheduler', () => {
  it('runs at most `concurrency` tasks at once, in order, and every task in the end', async () => {
    const scheduler = new ReviewScheduler(2);
    const { tasks, started, opens, peak } = gatedTasks(7);
    for (const task of tasks) scheduler.submit(task);
    await tick();
    expect(started).toEqual([0, 1]);
    opens[0]!();
    await tick();
    expect(started).toEqual([0, 1, 2]);
    const idle = scheduler.idle();
    // Open each gate as its task starts; never more than two are waiting.
    for (let n = 1; n < 7; n++) {
      await tick();
      expect(opens.length).toBe(Math.min(n + 2, 7));
      opens[n]!();
    }
    await idle;
    expect(started).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(peak()).toBe(2);
  });

  it('a failing task frees its slot and does not stop the others', async () => {
    const scheduler = new ReviewScheduler(1);
    const ran: string[] = [];
    scheduler.submit(async () => {
      ran.push('fails');
      throw new Error('boom');
    });
    scheduler.submit(async () => void ran.push('next'));
    await scheduler.idle();
    expect(ran).toEqual(['fails', 'next']);
  });

  it('the newest ticket of a merge request wins; other merge requests are independent', () => {
    const scheduler = new ReviewScheduler(1);
    const older = scheduler.begin('acme/fleet#1');
    const other = scheduler.begin('acme/fleet#2');
    expect(older.isCurrent()).toBe(true);
    const newer = scheduler.begin('acme/fleet#1');
    expect([older.isCurrent(), newer.isCurrent(), other.isCurrent()]).toEqual([false, true, true]);
  });

  it('writes of one merge request never overlap, and a superseded write is skipped', async () => {
    const scheduler = new ReviewScheduler(2);
    const order: string[] = [];
    let release!: () => void;
    const first = scheduler.begin('acme/fleet#1');
    const slow = first.writeIfCurrent(async () => {
      order.push('first starts');
      await new Promise<void>((resolve) => (release = resolve));
      order.push('first ends');
    });
    await tick();
    const second = scheduler.begin('acme/fleet#1');
    const third = scheduler.begin('acme/fleet#1');
    const skipped = second.writeIfCurrent(async () => void order.push('second'));
    const written = third.writeIfCurrent(async () => void order.push('third'));
    await tick();
    expect(order).toEqual(['first starts']);
    release();
    expect(await Promise.all([slow, skipped, written])).toEqual([true, false, true]);
    expect(order).toEqual(['first starts', 'first ends', 'third']);
  });

  it('a failed write does not block the next one', async () => {
    const scheduler = new ReviewScheduler(1);
    const ticket = scheduler.begin('acme/fleet#1');
    await expect(ticket.writeIfCurrent(async () => Promise.reject(new Error('API down')))).rejects.toThrow('API down');
    expect(await ticket.writeIfCurrent(async () => undefined)).toBe(true);
  });

  it('processes a delivery id once', () => {
    const scheduler = new ReviewScheduler(1);
    expect([scheduler.firstDelivery('d-1'), scheduler.firstDelivery('d-2'), scheduler.firstDelivery('d-1')]).toEqual([true, true, false]);
  });

  it('idle waits for tasks submitted while others run', async () => {
    const scheduler = new ReviewScheduler(1);
    const ran: string[] = [];
    scheduler.submit(async () => {
      await tick();
      scheduler.submit(async () => void ran.push('later'));
      ran.push('first');
    });
    await scheduler.idle();
    expect(ran).toEqual(['first', 'later']);
  });
});
