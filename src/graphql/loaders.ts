/**
 * Per-request batch loaders for the admin-only lists under Payment: a page of 50 payments that
 * selects `refunds` and `auditLog` costs one query for each, not one per payment (DataLoader
 * gathers the keys the resolvers ask for in one tick and reads them together).
 */
import DataLoader from 'dataloader';
import type { AuditRow, RefundRow } from '../db/schema';
import type { PaymentServices } from '../payments/payment-services';
import type { PaymentStatus } from '../payments/payment-status';
import { statusCursorChange } from '../payments/status-change-event';

export interface GatewayLoaders {
  refunds: DataLoader<string, RefundRow[]>;
  auditLog: DataLoader<string, AuditRow[]>;
  /** The audit row id Payment.statusCursor names, for a payment as read (pidx and status). */
  statusCursor: DataLoader<{ pidx: string; status: PaymentStatus }, number | null, string>;
}

export function createLoaders(services: Pick<PaymentServices, 'refunds' | 'audit'>): GatewayLoaders {
  // Batching only, no memo: a subscription keeps one context for all its events, and each event
  // must read the refunds and audit rows as they are then, not as the first event saw them.
  const options = { cache: false } as const;
  return {
    refunds: new DataLoader(async (pidxs) => {
      const groups = await services.refunds.forPayments(pidxs);
      return pidxs.map((pidx) => groups.get(pidx) ?? []);
    }, options),
    auditLog: new DataLoader(async (pidxs) => {
      const groups = await services.audit.forPayments(pidxs);
      return pidxs.map((pidx) => groups.get(pidx) ?? []);
    }, options),
    statusCursor: new DataLoader(
      async (payments) => {
        const groups = await services.audit.statusChangesOfPayments(payments.map((payment) => payment.pidx));
        return payments.map((payment) => statusCursorChange(groups.get(payment.pidx) ?? [], payment.status));
      },
      { ...options, cacheKeyFn: (payment) => `${payment.pidx}\u0000${payment.status}` },
    ),
  };
}
