export interface RetryOptions {
  attempts?: number;
  baseMs?: number;
  /** How a backoff waits (tests pass one that does not). */
  sleep?: (ms: number) => Promise<void>;
}

const wait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Retries `call` when `retryable(error)` says so, with exponential backoff and full jitter. */
export async function withRetry<T>(call: () => Promise<T>, retryable: (error: unknown) => boolean, options: RetryOptions = {}): Promise<T> {
  const attempts = options.attempts ?? 4;
  const baseMs = options.baseMs ?? 250;
  const sleep = options.sleep ?? wait;
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (attempt >= attempts || !retryable(error)) throw error;
      await sleep(Math.random() * baseMs * 2 ** (attempt - 1));
    }
  }
}
