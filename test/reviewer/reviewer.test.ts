import { afterEach, describe, expect, it } from 'vitest';
import type { Review } from '../../src/core/model.js';
import { UserError } from '../../src/errors.js';
import { digest, inProcessReviewer, threadReviewer, type Reviewer } from '../../src/reviewer/index.js';
import { TestRepo } from '../helpers/git-repo.js';
import { deployment } from '../helpers/manifests.js';

let repo: TestRepo;
let reviewer: Reviewer;
afterEach(() => {
  reviewer.close();
  repo?.dispose();
});

const link = (file: string, line?: number) => `https://example.com/blob/${file}#L${line}`;

describe('threadReviewer', () => {
  it('gives the digest, comment and diffs that a review on the calling thread gives, overrides applied', async () => {
    repo = new TestRepo();
    const base = repo.commit({ 'deploy/web/deploy.yaml': deployment('web', { namespace: 'shop' }) });
    const head = repo.commit({ 'deploy/web/deploy.yaml': deployment('web', { namespace: 'shop', replicas: 3, image: 'nginx:latest' }) });
    const request = { repo: repo.dir, base, head };
    const override = { rule: 'image-tag-mutable', sha: head, by: 'lead', reason: 'pinned by digest in prod', at: '2030-01-01T00:00:00Z' };
    reviewer = threadReviewer(1);
    const here = await inProcessReviewer.review(request, [override]);
    const there = await reviewer.review(request, [override]);
    try {
      expect(there.review).toEqual(digest(here.review as Review));
      expect(there.review.findings).toEqual([expect.objectContaining({ rule: 'image-tag-mutable', overridden: true, file: 'deploy/web/deploy.yaml' })]);
      const comment = await there.markdown({ sourceLink: link });
      expect(comment).toBe(await here.markdown({ sourceLink: link }));
      expect(comment).toContain('(https://example.com/blob/deploy/web/deploy.yaml#L');
      expect(comment).toContain('\n-  replicas: 2\n+  replicas: 3\n');
      expect(await there.diff(0, 0)).toBe(await here.diff(0, 0));
    } finally {
      there.close();
    }
    // The one worker is free again for the next review.
    const again = await reviewer.review(request, []);
    expect(again.review.verdict).toBe('fail');
    again.close();
  });

  it('passes the UserError of a review that cannot run back as a UserError', async () => {
    reviewer = threadReviewer(1);
    const error = await reviewer.review({ repo: '/nonexistent/repo', base: 'HEAD^', head: 'HEAD' }, []).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).toBe('not a git repository: /nonexistent/repo');
  });
});
