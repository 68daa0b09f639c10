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

  /** Durable mode: the queue's jobs by state, read at each scrape (shared by every replica). */
  observeQueue(counts: () => Promise<Record<string, number>>): void {
    new Gauge({
      name: 'safe_deploy_queue_jobs',
      help: 'Deliveries in the durable queue, by state (waiting, active, delayed, failed…), all replicas together',
      labelNames: ['state'],
      registers: [this.registry],
      async collect() {
        for (const [state, n] of Object.entries(await counts().catch(() => ({})))) this.set({ state }, n);
      },
    });
  }

  /** Durable mode, this worker: a delivery taken from the queue (its wait since recorded), retried, or found stalled. */
  readonly queue = {
    latency: new Histogram({
      name: 'safe_deploy_queue_wait_seconds',
      help: 'Time from a delivery recorded to a worker taking it',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60],
      registers: [this.registry],
    }),
    active: new Gauge({ name: 'safe_deploy_queue_active', help: 'Deliveries this worker runs now', registers: [this.registry] }),
    retries: new Counter({ name: 'safe_deploy_queue_retries_total', help: 'Deliveries this worker took again after a failed attempt', registers: [this.registry] }),
    stalled: new Counter({ name: 'safe_deploy_queue_stalled_total', help: 'Deliveries found stalled (their worker died) and queued again', registers: [this.registry] }),
  };

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
