// The worker of a thread reviewer (reviewer/index): makes one review at a
// time and keeps it for the Markdown and text diffs its caller asks for.
import type { Review } from '../core/model.js';
import { applyOverrides, type Override } from '../core/policy/overrides.js';
import { renderHtml } from '../report/html.js';
import { renderMarkdown, type MarkdownOptions } from '../report/markdown.js';
import { runReview, type ReviewRequest } from '../review.js';
import { threadId } from 'node:worker_threads';
import { caches } from '../util/cache.js';
import { serveCalls } from '../util/worker-pool.js';
import { digest, linkKey, type ThreadReview } from './index.js';

let current: Review | null = null;

function reviewed(): Review {
  if (!current) throw new Error('no review on this thread');
  return current;
}

serveCalls({
  async review(request: ReviewRequest, overrides: Override[], cacheBytes: number): Promise<ThreadReview> {
    current = null;
    caches.setBudget(cacheBytes);
    current = applyOverrides(await runReview(request), overrides);
    return { review: digest(current), thread: threadId, cache: caches.stats() };
  },
  markdown(options: Omit<MarkdownOptions, 'sourceLink'>, links: Map<string, string | null>) {
    return renderMarkdown(reviewed(), {
      ...options,
      sourceLink: (file, line) => {
        const link = links.get(linkKey(file, line));
        // The caller made a link for every finding's source; anything else would be linked wrongly.
        if (link === undefined) throw new Error(`no source link for ${file}:${line ?? ''}`);
        return link;
      },
    });
  },
  html() {
    return renderHtml(reviewed());
  },
  diff(target: number, change: number) {
    return reviewed().targets[target]!.changes[change]!.diff;
  },
  forget() {
    current = null;
  },
});
