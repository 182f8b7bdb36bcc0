/** Gauges read from the database on every scrape (so every process on one database reports the same). */
import { Gauge, type Registry } from 'prom-client';
import type { OperationsSnapshot } from '../payments/operations-snapshot';

export function stateMetrics(registry: Registry, snapshot: OperationsSnapshot): void {
  new Gauge({
    name: 'gateway_payments_by_status',
    help: 'Payments stored, by status (read from the database at scrape time).',
    labelNames: ['status'] as const,
    registers: [registry],
    async collect() {
      for (const [status, n] of Object.entries(await snapshot.paymentsByStatus())) this.set({ status }, n);
    },
  });
  new Gauge({
    name: 'gateway_refunds_unknown',
    help: 'Refunds whose outcome is UNKNOWN (the reconciler settles them by lookup, or an admin by resolveRefund).',
    registers: [registry],
    async collect() {
      this.set(await snapshot.refundsUnknown());
    },
  });
  new Gauge({
    name: 'gateway_reconciler_due',
    help: 'Payments whose next reconciler lookup is due now (next_lookup_at <= now).',
    registers: [registry],
    async collect() {
      this.set(await snapshot.reconcilerDue());
    },
  });
}
