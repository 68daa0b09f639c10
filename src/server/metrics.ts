// Prometheus metrics of the server (GET /metrics).
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
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
