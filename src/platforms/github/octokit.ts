// The Octokit the GitHub App uses: Probot's, with secondary rate limits
// retried (Probot only logs them) so a busy installation still gets its review.
import { ProbotOctokit } from 'probot';

const MAX_RATE_LIMIT_RETRIES = 3;

interface ThrottledRequest {
  method: string;
  url: string;
  request: { retryCount: number };
}

type Options = Record<string, unknown> & { throttle?: Record<string, unknown> };

/** Probot's Octokit with our rate-limit policy; `retries: false` turns retries and throttling off (tests of single failures). */
export function githubOctokit(options: { retries?: boolean } = {}): typeof ProbotOctokit {
  const retries = options.retries ?? true;
  return ProbotOctokit.defaults((instance: Options) => ({
    ...instance,
    ...(retries ? {} : { retry: { enabled: false } }),
    throttle: retries
      ? {
          ...instance.throttle,
          onRateLimit: (_after: number, request: ThrottledRequest) => request.request.retryCount < MAX_RATE_LIMIT_RETRIES,
          onSecondaryRateLimit: (_after: number, request: ThrottledRequest) => request.request.retryCount < MAX_RATE_LIMIT_RETRIES,
        }
      : { enabled: false },
  })) as typeof ProbotOctokit;
}
