// Where a review runs. The CLI and CI mode run it on their own thread; the
// server runs each one in a worker thread from a bounded pool, so that nothing
// CPU-heavy (parsing, diffs, rules, Markdown) ever runs on the thread that
// answers HTTP. The review stays on the thread that made it: callers get a
// digest (what statuses, metrics and command replies read) and ask that thread
// for the Markdown and the text diffs they show.
import type { Change, Review, TargetResult } from '../core/model.js';
import { applyOverrides, type Override } from '../core/policy/overrides.js';
import { UserError } from '../errors.js';
import { renderHtml } from '../report/html.js';
import { renderMarkdown, type MarkdownOptions } from '../report/markdown.js';
import { runReview, type ReviewRequest } from '../review.js';
import { caches, DEFAULT_CACHE_BYTES, type CacheStats } from '../util/cache.js';
import { WorkerLimitError, WorkerPool } from '../util/worker-pool.js';

/** A change without what is large (its objects, field values and text diffs) or cannot leave its thread. */
export type ChangeDigest = Omit<Change, 'diff' | 'diffExcept' | 'fields' | 'base' | 'head'>;
export type TargetDigest = Omit<TargetResult, 'changes'> & { changes: ChangeDigest[] };
export type ReviewDigest = Omit<Review, 'targets'> & { targets: TargetDigest[] };

/** A finished review, held where it was made until closed. */
export interface ReviewResult {
  readonly review: ReviewDigest;
  /** The comment of report/markdown for this review. */
  markdown(options?: MarkdownOptions): Promise<string>;
  /** The full report page (report/html) of this review. */
  html(): Promise<string>;
  /** The text diff of review.targets[target].changes[change]. */
  diff(target: number, change: number): Promise<string>;
  /** Lets the review go; its thread takes the next one. */
  close(): void;
}

export interface Reviewer {
  /** The review of `request` with these overrides applied. */
  review(request: ReviewRequest, overrides: Override[]): Promise<ReviewResult>;
  /** The caches of the threads reviews run on, per region, as of each thread's last review. */
  cacheStats(): CacheStats[];
  close(): void;
}

/** What a review thread answers: the digest, and its caches as the review left them. */
export interface ThreadReview {
  review: ReviewDigest;
  thread: number;
  cache: CacheStats[];
}

/** The stats of several threads' caches added up per region. */
export function addCacheStats(threads: Iterable<CacheStats[]>): CacheStats[] {
  const sum = new Map<string, CacheStats>();
  for (const stats of threads) {
    for (const s of stats) {
      const total = sum.get(s.region) ?? { region: s.region, hits: 0, misses: 0, entries: 0, bytes: 0 };
      sum.set(s.region, { region: s.region, hits: total.hits + s.hits, misses: total.misses + s.misses, entries: total.entries + s.entries, bytes: total.bytes + s.bytes });
    }
  }
  return [...sum.values()];
}

const LARGE: ReadonlySet<string> = new Set<keyof Change>(['diff', 'diffExcept', 'fields', 'base', 'head']);

/** The review without its large parts; the lazy text diffs are not made. */
export function digest(review: Review): ReviewDigest {
  const small = (change: Change) => Object.fromEntries(Object.keys(change).filter((key) => !LARGE.has(key)).map((key) => [key, change[key as keyof Change]])) as ChangeDigest;
  return { ...review, targets: review.targets.map((target) => ({ ...target, changes: target.changes.map(small) })) };
}

/** The key of a source link: the file and line a finding points at. */
export function linkKey(file: string, line?: number): string {
  return `${file}\u0000${line ?? ''}`;
}

/** On the calling thread. */
export const inProcessReviewer: Reviewer = {
  async review(request, overrides) {
    const review = applyOverrides(await runReview(request), overrides);
    return {
      review,
      markdown: async (options) => renderMarkdown(review, options),
      html: async () => renderHtml(review),
      diff: async (target, change) => review.targets[target]!.changes[change]!.diff,
      close: () => undefined,
    };
  },
  cacheStats: () => caches.stats(),
  close: () => undefined,
};

/** In worker threads, at most `size` reviews at once; each thread's caches get an equal part of `cacheBytes`. */
export function threadReviewer(size: number, cacheBytes = DEFAULT_CACHE_BYTES): Reviewer {
  const pool = new WorkerPool({ entry: new URL('./thread.js', import.meta.url), size });
  const threads = new Map<number, CacheStats[]>();
  return {
    async review(request, overrides) {
      const lease = await pool.acquire();
      let review: ReviewDigest;
      try {
        const answer = await lease.call<ThreadReview>('review', [request, overrides, Math.floor(cacheBytes / size)]);
        threads.set(answer.thread, answer.cache);
        review = answer.review;
      } catch (error) {
        lease.release();
        if (error instanceof WorkerLimitError && error.limit === 'memory') throw new UserError(`the review could not finish: ${error.message}; split the change into smaller merge requests`);
        throw error;
      }
      return {
        review,
        // Markdown links findings to their source: the links are made here, where the platform session lives.
        markdown: ({ sourceLink, ...options } = {}) => {
          const links = new Map(review.findings.filter((f) => f.file).map((f) => [linkKey(f.file!, f.line), sourceLink?.(f.file!, f.line) ?? null]));
          return lease.call<string>('markdown', [options, links]);
        },
        html: () => lease.call<string>('html', []),
        diff: (target, change) => lease.call<string>('diff', [target, change]),
        close: () => {
          void lease.call('forget', []).catch(() => undefined);
          lease.release();
        },
      };
    },
    cacheStats: () => addCacheStats(threads.values()),
    close: () => pool.close(),
  };
}
