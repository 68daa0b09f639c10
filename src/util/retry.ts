/** Retries `call` when `retryable(error)` says so, with exponential backoff and full jitter. */
export async function withRetry<T>(call: () => Promise<T>, retryable: (error: unknown) => boolean, options: { attempts?: number; baseMs?: number } = {}): Promise<T> {
  const attempts = options.attempts ?? 4;
  const baseMs = options.baseMs ?? 250;
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (attempt >= attempts || !retryable(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * baseMs * 2 ** (attempt - 1)));
    }
  }
}
