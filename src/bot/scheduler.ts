// Ordering of reviews on a server: bounded concurrency, the newest push of a
// merge request wins (an older review never writes over a newer one), each
// webhook delivery is processed once, and tests can wait for quiet.

/** A bounded set of recently seen ids. */
class RecentIds {
  private ids = new Set<string>();
  constructor(private readonly capacity: number) {}

  /** True the first time an id is offered. */
  add(id: string): boolean {
    if (this.ids.has(id)) return false;
    this.ids.add(id);
    if (this.ids.size > this.capacity) this.ids.delete(this.ids.values().next().value as string);
    return true;
  }
}

export interface Ticket {
  /** False once a newer review of the same merge request has begun (asked of Redis in durable mode). */
  isCurrent(): boolean | Promise<boolean>;
  /** Runs `write` while no other review of this merge request writes; skips it when superseded. */
  writeIfCurrent(write: () => Promise<void>): Promise<boolean>;
  /** The review is over: once its merge request's newest review ends, the scheduler forgets the merge request. */
  end(): void;
}

/** What the bot needs of a scheduler: the in-memory one below, or durable mode's on Redis. */
export interface Scheduler {
  /** False for a delivery id seen before (a redelivery or a replay). */
  firstDelivery(id: string): boolean;
  /** Marks a new review of `key` as the newest. */
  begin(key: string): Ticket;
  /** Runs a task in the background, within the scheduler's concurrency. */
  submit(task: () => Promise<void>): void;
  /** Runs `task` after every earlier task given for `key` has ended (a merge request's commands, one at a time). */
  serially<T>(key: string, task: () => Promise<T>): Promise<T>;
  /** Resolves when no task is queued or running. */
  idle(): Promise<void>;
}

export class ReviewScheduler implements Scheduler {
  /** The newest ticket of each merge request with a review in flight; numbers are never reused. */
  private generation = new Map<string, number>();
  private tickets = 0;
  /** The last write of each merge request while one is queued or running. */
  private writeLocks = new Map<string, Promise<unknown>>();
  /** The last task of each key given to serially(), while one is pending. */
  private serial = new Map<string, Promise<unknown>>();
  private deliveries = new RecentIds(10_000);
  private running = 0;
  private waiting: Array<() => void> = [];
  private active = new Set<Promise<unknown>>();

  constructor(private readonly concurrency: number) {}

  /** False for a delivery id seen before (a redelivery or a replay). */
  firstDelivery(id: string): boolean {
    return this.deliveries.add(id);
  }

  /** Marks a new review of `key` as the newest. */
  begin(key: string): Ticket {
    const mine = ++this.tickets;
    this.generation.set(key, mine);
    const isCurrent = () => this.generation.get(key) === mine;
    return {
      isCurrent,
      writeIfCurrent: (write) => {
        const previous = this.writeLocks.get(key) ?? Promise.resolve();
        const run = previous.then(async () => {
          if (!isCurrent()) return false;
          await write();
          return true;
        });
        const settled = run.catch(() => undefined);
        this.writeLocks.set(key, settled);
        void settled.then(() => {
          if (this.writeLocks.get(key) === settled) this.writeLocks.delete(key);
        });
        return run;
      },
      end: () => {
        if (isCurrent()) this.generation.delete(key);
      },
    };
  }

  serially<T>(key: string, task: () => Promise<T>): Promise<T> {
    const run = (this.serial.get(key) ?? Promise.resolve()).then(task);
    const settled = run.catch(() => undefined);
    this.serial.set(key, settled);
    void settled.then(() => {
      if (this.serial.get(key) === settled) this.serial.delete(key);
    });
    return run;
  }

  /** Runs a task in the background, at most `concurrency` at once. */
  submit(task: () => Promise<void>): void {
    const job = this.slot().then(task).finally(() => this.release());
    const tracked = job.catch(() => undefined);
    this.active.add(tracked);
    void tracked.finally(() => this.active.delete(tracked));
  }

  /** How many merge requests the scheduler holds state for (a review in flight or a write pending). */
  get tracked(): number {
    return new Set([...this.generation.keys(), ...this.writeLocks.keys()]).size;
  }

  /** Resolves when no task is queued or running. */
  async idle(): Promise<void> {
    while (this.active.size) await Promise.all([...this.active]);
  }

  private slot(): Promise<void> {
    if (this.running < this.concurrency) {
      this.running++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(() => resolve()));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.running--;
  }
}

/** The ticket of a review that nothing can supersede (CI mode: one review per job). */
export function soleTicket(): Ticket {
  return {
    isCurrent: () => true,
    writeIfCurrent: async (write) => {
      await write();
      return true;
    },
    end: () => undefined,
  };
}
