/** Events of the payment flow an operator alerts on: late completions, amount mismatches, reconciler passes, webhooks. */
import { Counter, Gauge, type Registry } from 'prom-client';

export interface PaymentFlowMetrics {
  lateCompletion(): void;
  amountMismatch(): void;
  reconcilerPassed(at: Date): void;
  /** Webhook deliveries that reached a final state in this process, by outcome (delivered, failed). */
  webhookDeliveries: Counter<'outcome'>;
}

export function paymentFlowMetrics(registry: Registry): PaymentFlowMetrics {
  const late = new Counter({
    name: 'gateway_late_completions_total',
    help: 'Payments Khalti completed after the gateway had recorded them expired, canceled or failed (this process saw the change).',
    registers: [registry],
  });
  const mismatches = new Counter({
    name: 'gateway_amount_mismatches_total',
    help: 'Payments that reached a paid status with a total_amount other than the amount initiated (this process saw the change).',
    registers: [registry],
  });
  const lastPass = new Gauge({
    name: 'gateway_reconciler_last_pass_timestamp_seconds',
    help: 'When this process last finished a reconciler pass (Unix time); 0 until the first pass.',
    registers: [registry],
  });
  const webhookDeliveries = new Counter({
    name: 'gateway_webhook_deliveries_total',
    help: 'Webhook deliveries this process brought to a final state, by outcome: delivered, failed (given up).',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  return {
    lateCompletion: () => late.inc(),
    amountMismatch: () => mismatches.inc(),
    reconcilerPassed: (at) => lastPass.set(at.getTime() / 1000),
    webhookDeliveries,
  };
}
