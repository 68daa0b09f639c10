// Worker threads for work that must not run on the calling thread: CPU-heavy or
// memory-hungry work on untrusted input. Each worker has its own heap limit; a
// call that exceeds the memory or the time allowed ends that worker, never the
// process. Workers are reused, and an idle one never keeps the process alive.
import { parentPort, Worker, type ResourceLimits } from 'node:worker_threads';
import { errorData, reviveError, type ErrorData } from '../errors.js';

export interface PoolOptions {
  /** The worker module, compiled JS next to its caller: `new URL('./x-thread.js', import.meta.url)`. */
  entry: URL;
  /** Workers at most; more callers wait for one. */
  size: number;
  resourceLimits?: ResourceLimits;
  /** An idle worker ends after this long, returning its heap; without it, idle workers stay for the next call. */
  idleMs?: number;
}

/** A call that did not finish because its worker ran out of memory or time, or stopped. */
export class WorkerLimitError extends Error {
  override name = 'WorkerLimitError';
  constructor(
    readonly limit: 'memory' | 'time' | 'stopped',
    message: string,
  ) {
    super(message);
  }
}

type Handler = (...args: never[]) => unknown;
interface Call {
  id: number;
  method: string;
  args: unknown[];
}
type Reply = { id: number; value: unknown } | { id: number; error: ErrorData };

/** Runs in a worker module: answers the pool's calls with these functions. */
export function serveCalls(methods: Record<string, Handler>): void {
  const port = parentPort!;
  port.on('message', async ({ id, method, args }: Call) => {
    try {
      const value = await (methods[method] as (...args: unknown[]) => unknown)(...args);
      port.postMessage({ id, value } satisfies Reply);
    } catch (error) {
      port.postMessage({ id, error: errorData(error) } satisfies Reply);
    }
  });
}

/** One worker and the calls it is answering. */
class Thread {
  private readonly worker: Worker;
  private readonly pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void; timer?: NodeJS.Timeout }>();
  private nextId = 0;
  private failure: WorkerLimitError | null = null;
  idleTimer: NodeJS.Timeout | undefined;

  constructor(options: PoolOptions, onExit: (thread: Thread) => void) {
    this.worker = new Worker(options.entry, options.resourceLimits ? { resourceLimits: options.resourceLimits } : {});
    this.worker.unref();
    this.worker.on('message', (reply: Reply) => {
      const call = this.pending.get(reply.id);
      if (!call) return;
      this.settled(reply.id);
      if ('error' in reply) call.reject(reviveError(reply.error));
      else call.resolve(reply.value);
    });
    this.worker.on('error', (error: Error & { code?: string }) => {
      const memory = options.resourceLimits?.maxOldGenerationSizeMb;
      this.fail(
        error.code === 'ERR_WORKER_OUT_OF_MEMORY'
          ? new WorkerLimitError('memory', `the worker ran out of memory${memory ? ` (${memory} MB)` : ''}`)
          : new WorkerLimitError('stopped', `the worker stopped: ${error.message}`),
      );
    });
    this.worker.on('exit', () => {
      this.fail(new WorkerLimitError('stopped', 'the worker stopped'));
      onExit(this);
    });
  }

  get alive(): boolean {
    return this.failure === null;
  }

  call<T>(method: string, args: unknown[], timeoutMs?: number): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer =
        timeoutMs === undefined
          ? undefined
          : setTimeout(() => {
              this.fail(new WorkerLimitError('time', `the worker took longer than ${timeoutMs / 1000} s`));
              void this.worker.terminate();
            }, timeoutMs);
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject, ...(timer ? { timer } : {}) });
      // A call in flight keeps the process alive until it is answered.
      this.worker.ref();
      try {
        this.worker.postMessage({ id, method, args } satisfies Call);
      } catch (error) {
        // Arguments that cannot be cloned: the worker never saw the call.
        this.settled(id);
        reject(error as Error);
      }
    });
  }

  stop(): void {
    void this.worker.terminate();
  }

  private settled(id: number): void {
    clearTimeout(this.pending.get(id)?.timer);
    this.pending.delete(id);
    if (this.pending.size === 0) this.worker.unref();
  }

  private fail(error: WorkerLimitError): void {
    this.failure ??= error;
    for (const [id, call] of this.pending) {
      this.settled(id);
      call.reject(this.failure);
    }
  }
}

/** A worker reserved for one caller's calls until released. */
export interface Lease {
  call<T>(method: string, args: unknown[], timeoutMs?: number): Promise<T>;
  release(): void;
}

export class WorkerPool {
  private idle: Thread[] = [];
  private running = 0;
  private closed = false;
  private waiting: Array<(thread: Thread) => void> = [];

  constructor(private readonly options: PoolOptions) {}

  /** A worker of its own for a series of calls (state kept between them); release it when done. */
  async acquire(): Promise<Lease> {
    const thread = await this.take();
    let released = false;
    return {
      call: (method, args, timeoutMs) => (released ? Promise.reject(new Error('the worker lease was released')) : thread.call(method, args, timeoutMs)),
      release: () => {
        if (released) return;
        released = true;
        this.give(thread);
      },
    };
  }

  /** One call on any worker. */
  async run<T>(method: string, args: unknown[], timeoutMs?: number): Promise<T> {
    const lease = await this.acquire();
    try {
      return await lease.call<T>(method, args, timeoutMs);
    } finally {
      lease.release();
    }
  }

  /** Stops the idle workers; busy ones stop when released. */
  close(): void {
    this.closed = true;
    for (const thread of this.idle.splice(0)) thread.stop();
  }

  private take(): Promise<Thread> {
    const thread = this.idle.pop();
    if (thread) {
      clearTimeout(thread.idleTimer);
      return Promise.resolve(thread);
    }
    if (this.running < this.options.size) return Promise.resolve(this.spawn());
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private spawn(): Thread {
    this.running++;
    return new Thread(this.options, (gone) => {
      this.running--;
      this.idle = this.idle.filter((t) => t !== gone);
      // The slot it held goes to the next waiting caller.
      const waiter = this.waiting.shift();
      if (waiter) waiter(this.spawn());
    });
  }

  private give(thread: Thread): void {
    if (!thread.alive || this.closed) {
      thread.stop();
      return;
    }
    const waiter = this.waiting.shift();
    if (waiter) {
      waiter(thread);
      return;
    }
    this.idle.push(thread);
    if (this.options.idleMs !== undefined) {
      thread.idleTimer = setTimeout(() => {
        this.idle = this.idle.filter((t) => t !== thread);
        thread.stop();
      }, this.options.idleMs).unref();
    }
  }
}
