// A delivery taken up again after the worker running it died (durable mode): its
// review may have left a status in progress, which the new review takes over instead
// of adding another beside it.
import { AsyncLocalStorage } from 'node:async_hooks';

const resumed = new AsyncLocalStorage<true>();

/** Runs `work` (and everything it starts) as the resumption of an interrupted delivery. */
export function asResumed<T>(work: () => Promise<T>): Promise<T> {
  return resumed.run(true, work);
}

/** Whether the code running now resumes an interrupted delivery. */
export function isResumed(): boolean {
  return resumed.getStore() === true;
}
