import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { MessagingObserver } from '@app/messaging';

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

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'idcard_' });
  }

  readonly observer: MessagingObserver = {
    processed: ({ type, outcome, ms }) => {
      this.messagesProcessed.inc({ type, outcome });
      this.handlerSeconds.observe({ type }, ms / 1000);
    },
  };
}
