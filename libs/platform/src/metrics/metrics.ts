import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { MessagingObserver } from '@app/messaging';

const HTTP_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
const REFUSED = new Set([401, 403, 404, 405, 413, 429, 503]);

/**
 * The process's Prometheus metrics. Counters and histograms are updated as things happen; gauges
 * that describe state elsewhere (outbox backlog, queue depth) are read from PostgreSQL and Redis
 * when /metrics is scraped, so they are never stale.
 */
export class Metrics {
  readonly registry = new Registry();

  readonly messagesProcessed = new Counter({
    name: 'idcard_messages_processed_total',
    help: 'Messages taken from a queue, by type and outcome (handled, duplicate, failed, dead-lettered, out-of-order: parked until its predecessor is handled)',
    labelNames: ['type', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly handlerSeconds = new Histogram({
    name: 'idcard_message_handler_seconds',
    help: 'Time to admit and handle one message, inbox transaction included',
    labelNames: ['type'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  readonly httpSeconds = new Histogram({
    name: 'idcard_http_request_seconds',
    help: 'HTTP request latency by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  readonly httpRefused = new Counter({
    name: 'idcard_http_refused_total',
    help: 'HTTP requests answered 401, 403, 404, 405, 413, 429 or 503 (refused by a guard, an unknown route, the body limit, the rate limit or the drain included), by route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });

  readonly outboxBacklog = new Gauge({
    name: 'idcard_outbox_backlog',
    help: 'Outbox rows not yet published, by service schema',
    labelNames: ['schema'] as const,
    registers: [this.registry],
  });

  readonly queueDepth = new Gauge({
    name: 'idcard_queue_jobs',
    help: 'Jobs in a province queue by state (waiting, active, delayed, failed)',
    labelNames: ['queue', 'state'] as const,
    registers: [this.registry],
  });

  readonly deadLetters = new Gauge({
    name: 'idcard_dead_letters',
    help: 'Dead letters not yet replayed, by service schema',
    labelNames: ['schema'] as const,
    registers: [this.registry],
  });

  readonly dependencyErrors = new Counter({
    name: 'idcard_dependency_errors_total',
    help: 'Connection errors of a dependency (redis, postgres); the log shows only the first of an outage and a periodic summary',
    labelNames: ['dependency'] as const,
    registers: [this.registry],
  });

  constructor() {
    // Standard names (process_cpu_seconds_total, nodejs_heap_size_used_bytes, …): stock dashboards work.
    collectDefaultMetrics({ register: this.registry });
    // prom-client also exports these gauges a second time with a counter's "_total" suffix, which
    // promtool rightly refuses; the same values stay under nodejs_active_{handles,requests,resources}.
    for (const duplicate of [
      'nodejs_active_handles_total',
      'nodejs_active_requests_total',
      'nodejs_active_resources_total',
    ])
      this.registry.removeSingleMetric(duplicate);
  }

  /** One finished HTTP request (recorded by the request edge, whoever answered it). */
  observeHttp(method: string, route: string, status: number, seconds: number): void {
    const labels = {
      method: HTTP_METHODS.has(method) ? method : 'OTHER',
      route,
      status: String(status),
    };
    this.httpSeconds.observe(labels, seconds);
    if (REFUSED.has(status)) this.httpRefused.inc(labels);
  }

  readonly observer: MessagingObserver = {
    processed: ({ type, outcome, ms }) => {
      this.messagesProcessed.inc({ type, outcome });
      this.handlerSeconds.observe({ type }, ms / 1000);
    },
  };
}
