// The worker of a thread reviewer (reviewer/index): makes one review at a
// time and keeps it for the Markdown and text diffs its caller asks for.
import type { Review } from '../core/model.js';
import { applyOverrides, type Override } from '../core/policy/overrides.js';
import { renderMarkdown, type MarkdownOptions } from '../report/markdown.js';
import { runReview, type ReviewRequest } from '../review.js';
import { serveCalls } from '../util/worker-pool.js';
import { digest, linkKey } from './index.js';

let current: Review | null = null;

function reviewed(): Review {
  if (!current) throw new Error('no review on this thread');
  return current;
}

serveCalls({
  async review(request: ReviewRequest, overrides: Override[]) {
    current = null;
    current = applyOverrides(await runReview(request), overrides);
    return digest(current);
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
  diff(target: number, change: number) {
    return reviewed().targets[target]!.changes[change]!.diff;
  },
  forget() {
    current = null;
  },
});
