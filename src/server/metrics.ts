// Prometheus metrics of the server (GET /metrics).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { CacheStats } from '../util/cache.js';
import type { BotMetrics, ReviewOutcome } from '../bot/metrics.js';

export class Metrics implements BotMetrics {
  readonly registry = new Registry();
  private reviews = new Counter({ name: 'safe_deploy_reviews_total', help: 'Reviews by platform and outcome', labelNames: ['platform', 'outcome'], registers: [this.registry] });
  private duration = new Histogram({
    name: 'safe_deploy_review_duration_seconds',
    help: 'Time from webhook to completed status',
    labelNames: ['platform'],
    buckets: [0.25, 0.5, 1, 2, 5, 10, 30, 60, 120],
    registers: [this.registry],
  });
  private renderErrors = new Counter({ name: 'safe_deploy_render_errors_total', help: 'Targets that failed to render at head', registers: [this.registry] });
  private apiErrors = new Counter({ name: 'safe_deploy_api_errors_total', help: 'Failed platform API calls', labelNames: ['platform'], registers: [this.registry] });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  /** Exports the review caches' counters and sizes, read from `stats` at each scrape. */
  observeCaches(stats: () => CacheStats[]): void {
    const common = { labelNames: ['cache'] as const, registers: [this.registry] };
    // The counters mirror totals the caches keep themselves.
    const counter = (name: string, help: string, value: (s: CacheStats) => number) =>
      new Counter({
        name,
        help,
        ...common,
        collect() {
          this.reset();
          for (const s of stats()) this.inc({ cache: s.region }, value(s));
        },
      });
    const gauge = (name: string, help: string, value: (s: CacheStats) => number) =>
      new Gauge({
        name,
        help,
        ...common,
        collect() {
          for (const s of stats()) this.set({ cache: s.region }, value(s));
        },
      });
    counter('safe_deploy_cache_hits_total', 'Cache lookups that found an entry, by cache region', (s) => s.hits);
    counter('safe_deploy_cache_misses_total', 'Cache lookups that found none, by cache region', (s) => s.misses);
    gauge('safe_deploy_cache_bytes', 'Estimated memory of the cached entries, by cache region', (s) => s.bytes);
    gauge('safe_deploy_cache_entries', 'Cached entries, by cache region', (s) => s.entries);
  }

  reviewed(platform: string, outcome: ReviewOutcome, seconds: number): void {
    this.reviews.inc({ platform, outcome });
    this.duration.observe({ platform }, seconds);
  }

  renderFailed(count: number): void {
    if (count) this.renderErrors.inc(count);
  }

  apiFailed(platform: string): void {
    this.apiErrors.inc({ platform });
  }
}
