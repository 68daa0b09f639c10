// The metrics port of the bot and the platform sessions: the server's Prometheus
// metrics implement it; CI mode, which serves no /metrics, counts nothing.

/** `awaiting-rerun`: a fork's head the base config reviews only after a maintainer's rerun. */
export type ReviewOutcome = 'pass' | 'fail' | 'no-changes' | 'error' | 'superseded' | 'awaiting-rerun';

export interface BotMetrics {
  reviewed(platform: string, outcome: ReviewOutcome, seconds: number): void;
  renderFailed(count: number): void;
  apiFailed(platform: string): void;
}

export const noMetrics: BotMetrics = {
  reviewed: () => undefined,
  renderFailed: () => undefined,
  apiFailed: () => undefined,
};
