/**
 * The audit log's vocabulary: each row's `kind` and `operation`, one closed set, one casing
 * (lowercase snake_case), written and read through the codec below. The status-change feed reads
 * a row's status source back through the same codec that wrote it.
 *
 * Rows are never rewritten, so rows from before this set existed (status changes named by their
 * source in capitals, `transactionStatus`) are read into it too.
 */
import type { KhaltiOperation } from '../khalti/khalti.types';
import { STATUS_SOURCES, type StatusSource } from './status-source';

export const AUDIT_OPERATIONS = {
  /** A call to Khalti. */
  upstream: ['initiate', 'lookup', 'refund', 'banks', 'transaction_status'],
  /** A status change, named by what led the gateway to see it. */
  status_change: ['initiate', 'lookup', 'callback', 'reconciler', 'refund'],
  refund: ['refund_requested', 'refund_succeeded', 'refund_failed', 'refund_outcome_unknown', 'refund_resolved'],
  privacy: ['personal_data_erased'],
  security: ['return_unknown_pidx', 'return_malformed_pidx', 'security_events_suppressed'],
  /** Webhook endpoints changed by an admin or by the gateway (a 410), and deliveries given up or queued again. */
  webhook: [
    'webhook_endpoint_created',
    'webhook_endpoint_updated',
    'webhook_endpoint_deleted',
    'webhook_secret_rotated',
    'webhook_endpoint_disabled',
    'webhook_delivery_failed',
    'webhooks_redelivered',
    'webhook_test_sent',
  ],
} as const;

export type AuditKind = keyof typeof AUDIT_OPERATIONS;
export type AuditOperationOf<K extends AuditKind> = (typeof AUDIT_OPERATIONS)[K][number];
export type AuditOperation = AuditOperationOf<AuditKind>;
export type RefundOperation = AuditOperationOf<'refund'>;
export type SecurityOperation = AuditOperationOf<'security'>;
export type PrivacyOperation = AuditOperationOf<'privacy'>;
export type WebhookOperation = AuditOperationOf<'webhook'>;

export const AUDIT_KINDS = Object.keys(AUDIT_OPERATIONS) as AuditKind[];

const UPSTREAM: Record<KhaltiOperation, AuditOperationOf<'upstream'>> = {
  initiate: 'initiate',
  lookup: 'lookup',
  refund: 'refund',
  banks: 'banks',
  transactionStatus: 'transaction_status',
};

const BY_SOURCE: Record<StatusSource, AuditOperationOf<'status_change'>> = {
  INITIATE: 'initiate',
  LOOKUP: 'lookup',
  CALLBACK: 'callback',
  RECONCILER: 'reconciler',
  REFUND: 'refund',
};

export const auditOperation = {
  upstream: (operation: KhaltiOperation): AuditOperationOf<'upstream'> => UPSTREAM[operation],
  statusChange: (source: StatusSource): AuditOperationOf<'status_change'> => BY_SOURCE[source],

  /** The status source a status-change row records (also from rows written in capitals); null if none. */
  sourceOf(operation: string): StatusSource | null {
    return STATUS_SOURCES.find((source) => source === operation.toUpperCase()) ?? null;
  },

  /** A stored operation in the one casing, for readers (rows from before the set included). */
  read(kind: string, operation: string): string {
    if (kind === 'status_change') {
      const source = auditOperation.sourceOf(operation);
      return source ? BY_SOURCE[source] : operation;
    }
    if (kind === 'upstream' && operation === 'transactionStatus') return UPSTREAM.transactionStatus;
    return operation;
  },
};
