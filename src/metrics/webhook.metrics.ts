/**
 * Webhook delivery: attempts by what came of them (a closed set, see AttemptKind), how long they
 * took, and the deliveries still PENDING (read from the database at scrape time, so every instance
 * on one database reports the same backlog).
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { AttemptKind } from '../webhooks/webhook-sender';

export interface WebhookMetrics {
  attempt(kind: AttemptKind, durationMs: number): void;
}

export function webhookMetrics(registry: Registry, pendingDeliveries: () => Promise<number>): WebhookMetrics {
  const attempts = new Counter({
    name: 'gateway_webhook_attempts_total',
    help:
      'Webhook HTTP attempts this process made, by outcome: accepted (2xx), http_status (another status), redirect (not followed), ' +
      'timeout, refused, dns, private_address (refused at connect), tls, network, aborted (shutdown).',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'gateway_webhook_attempt_duration_seconds',
    help: 'Duration of one webhook attempt, connect to the end of the answer.',
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30],
    registers: [registry],
  });
  new Gauge({
    name: 'gateway_webhook_deliveries_pending',
    help: 'Webhook deliveries not yet delivered nor given up (read from the database at scrape time).',
    registers: [registry],
    async collect() {
      this.set(await pendingDeliveries());
    },
  });
  return {
    attempt(kind, durationMs) {
      attempts.inc({ outcome: kind });
      duration.observe(durationMs / 1000);
    },
  };
}
