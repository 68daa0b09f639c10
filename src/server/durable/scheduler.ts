// The scheduler of durable mode: the newest push of a merge request wins and writes
// one at a time across every worker, through Redis. Deliveries are deduplicated when
// they are recorded (queue.ts); the queue bounds how many run at once.
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Scheduler, Ticket } from '../../bot/scheduler.js';

export const KEY_PREFIX = 'safe-deploy:';
/** A write (comment and status) holds its merge request's lock this long, renewed while it runs: a dead worker's lock lapses soon. */
const LOCK_MS = 10_000;
const RENEW_MS = 3_000;
/** Generations are kept a week: long after any review of the push ends. */
const GENERATION_SECONDS = 7 * 24 * 3600;
const RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";
const RENEW = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end";

/** Makes the newest review of `key`: its generation, which every older review's ticket then sees is not theirs. */
export async function takeGeneration(redis: Redis, key: string): Promise<string> {
  const generation = `${KEY_PREFIX}gen:${key}`;
  const replies = await redis.multi().incr(generation).expire(generation, GENERATION_SECONDS).exec();
  const [error, value] = replies?.[0] ?? [new Error(`no generation for ${key}`)];
  if (error) throw error;
  return String(value);
}

/** A review delivery's merge request and the generation the web replica took for it when it recorded it. */
export interface RecordedGeneration {
  key: string;
  generation: string;
}

/** What one delivery's run collects: the tasks it submits, and the generation it was recorded with. */
interface RunContext {
  tasks: Array<Promise<void>>;
  recorded?: RecordedGeneration;
}

export class RedisScheduler implements Scheduler {
  private readonly collecting = new AsyncLocalStorage<RunContext>();
  private readonly active = new Set<Promise<void>>();

  constructor(private readonly redis: Redis) {}

  /** Recorded deliveries are deduplicated already; a job that runs again (a dead worker's) must run. */
  firstDelivery(): boolean {
    return true;
  }

  /**
   * A review recorded by a web replica holds the generation taken then, so that a newer push
   * supersedes it from the moment it is recorded, not when a worker starts it; a review begun
   * here (a re-run) takes a new one.
   */
  begin(key: string): Ticket {
    const recorded = this.collecting.getStore()?.recorded;
    const mine = recorded?.key === key ? Promise.resolve(recorded.generation) : takeGeneration(this.redis, key);
    // Not awaited by anyone when the review fails before asking: never an unhandled rejection.
    mine.catch(() => undefined);
    const isCurrent = async () => (await mine) === (await this.redis.get(`${KEY_PREFIX}gen:${key}`));
    return {
      isCurrent,
      writeIfCurrent: (write) =>
        this.locked(`${KEY_PREFIX}lock:${key}`, async () => {
          if (!(await isCurrent())) return false;
          await write();
          return true;
        }),
      end: () => undefined,
    };
  }

  /** One command of a merge request at a time, across every worker (not the review lock: a command may run a review). */
  serially<T>(key: string, task: () => Promise<T>): Promise<T> {
    return this.locked(`${KEY_PREFIX}commands:${key}`, task);
  }

  /** Runs `task` holding a lock in Redis, renewed while it runs, so that a dead worker's lock lapses within seconds. */
  private async locked<T>(lock: string, task: () => Promise<T>): Promise<T> {
    const token = randomUUID();
    while ((await this.redis.set(lock, token, 'PX', LOCK_MS, 'NX')) !== 'OK') await new Promise((resolve) => setTimeout(resolve, 50));
    const renew = setInterval(() => void this.redis.eval(RENEW, 1, lock, token, LOCK_MS).catch(() => undefined), RENEW_MS);
    try {
      return await task();
    } finally {
      clearInterval(renew);
      await this.redis.eval(RELEASE, 1, lock, token);
    }
  }

  submit(task: () => Promise<void>): void {
    const running = task().catch(() => undefined);
    this.collecting.getStore()?.tasks.push(running);
    this.active.add(running);
    void running.finally(() => this.active.delete(running));
  }

  /** Runs `receive` (which dispatches one delivery's events) and resolves once every task it submitted has ended. */
  async run(receive: () => Promise<unknown>, recorded?: RecordedGeneration): Promise<void> {
    const context: RunContext = { tasks: [], ...(recorded ? { recorded } : {}) };
    await this.collecting.run(context, receive);
    await Promise.all(context.tasks);
  }

  async idle(): Promise<void> {
    while (this.active.size) await Promise.all([...this.active]);
  }
}
