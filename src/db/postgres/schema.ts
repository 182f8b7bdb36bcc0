/**
 * The PostgreSQL tables: the same exported names, SQL names, property names and row types as
 * src/db/schema.ts (schema-parity.ts checks it at compile time), so the services run one code path
 * on either database. Drizzle has no cross-dialect table builder, hence the second copy; column
 * comments live in src/db/schema.ts. Money is bigint paisa (more than int4's 21 million rupees in
 * one column is possible); times are timestamptz, read as Date like SQLite's epoch milliseconds.
 */
import { sql } from 'drizzle-orm';
import { bigint, boolean, index, integer, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import type { AuditKind } from '../../payments/audit-operation';
import type { InitiationState } from '../../payments/initiation-state.rules';
import type { PaymentStatus } from '../../payments/payment-status';
import { isOpenRefund, REFUND_STATES, type RefundState } from '../../payments/refund-state.rules';
import type { WebhookDeliveryState } from '../../payments/webhook-delivery-state.rules';

/** bigint read as a JS number: paisa stay far below 2^53. */
const paisa = (name: string) => bigint(name, { mode: 'number' });
const at = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });
/** SQL literals, as in src/db/schema.ts: an index predicate takes no bound parameters. */
const openRefundStates = sql.raw(REFUND_STATES.filter(isOpenRefund).map((state) => `'${state}'`).join(', '));

export const payments = pgTable(
  'payments',
  {
    pidx: text('pidx').primaryKey(),
    purchaseOrderId: text('purchase_order_id').notNull(),
    purchaseOrderName: text('purchase_order_name').notNull(),
    amount: paisa('amount').notNull(),
    totalAmount: paisa('total_amount'),
    status: text('status').$type<PaymentStatus>().notNull(),
    transactionId: text('transaction_id'),
    fee: paisa('fee'),
    refunded: boolean('refunded').notNull().default(false),
    refundedAmount: paisa('refunded_amount').notNull().default(0),
    paymentUrl: text('payment_url').notNull(),
    returnUrl: text('return_url').notNull(),
    customerName: text('customer_name'),
    customerEmail: text('customer_email'),
    customerPhone: text('customer_phone'),
    personalDataErasedAt: at('personal_data_erased_at'),
    expiryInferred: boolean('expiry_inferred').notNull().default(false),
    lateCompletion: boolean('late_completion').notNull().default(false),
    bankPayment: boolean('bank_payment').notNull().default(false),
    requestFingerprint: text('request_fingerprint').notNull(),
    expiresAt: at('expires_at').notNull(),
    createdAt: at('created_at').notNull(),
    updatedAt: at('updated_at').notNull(),
    nextLookupAt: at('next_lookup_at'),
    lookupAttempts: integer('lookup_attempts').notNull().default(0),
    version: integer('version').notNull().default(0),
  },
  (table) => [
    uniqueIndex('payments_purchase_order_id_unique').on(table.purchaseOrderId),
    index('payments_status_created_idx').on(table.status, table.createdAt, table.pidx),
    index('payments_next_lookup_idx').on(table.nextLookupAt),
    index('payments_created_idx').on(table.createdAt),
  ],
);

export const refunds = pgTable(
  'refunds',
  {
    id: text('id').primaryKey(),
    pidx: text('pidx')
      .notNull()
      .references(() => payments.pidx),
    amount: paisa('amount').notNull(),
    full: boolean('full').notNull(),
    mobile: text('mobile'),
    state: text('state').$type<RefundState>().notNull(),
    detail: text('detail'),
    idempotencyKey: text('idempotency_key'),
    requestFingerprint: text('request_fingerprint').notNull(),
    actor: text('actor'),
    createdAt: at('created_at').notNull(),
    updatedAt: at('updated_at').notNull(),
    nextSettleAt: at('next_settle_at'),
    settleAttempts: integer('settle_attempts').notNull().default(0),
  },
  (table) => [
    index('refunds_pidx_idx').on(table.pidx),
    uniqueIndex('refunds_idempotency_key_unique')
      .on(table.idempotencyKey)
      .where(sql`${table.idempotencyKey} IS NOT NULL`),
    // At most one open refund per payment, across every instance (see src/db/schema.ts).
    uniqueIndex('refunds_one_open_per_payment').on(table.pidx).where(sql`${table.state} IN (${openRefundStates})`),
  ],
);

export const initiations = pgTable('initiations', {
  purchaseOrderId: text('purchase_order_id').primaryKey(),
  requestFingerprint: text('request_fingerprint').notNull(),
  state: text('state').$type<InitiationState>().notNull(),
  pidx: text('pidx'),
  owner: text('owner').notNull(),
  leaseUntil: at('lease_until').notNull(),
  updatedAt: at('updated_at').notNull(),
});

/** Append-only: a trigger in the migrations refuses UPDATE, DELETE and TRUNCATE. */
export const auditLog = pgTable(
  'audit_log',
  {
    // GENERATED ALWAYS: only the database numbers audit rows (an explicit id is refused), so its
    // insert type has no id, where SQLite's has an optional one (schema-parity.ts says so).
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    at: at('at').notNull(),
    kind: text('kind').$type<AuditKind>().notNull(),
    operation: text('operation').notNull(),
    pidx: text('pidx'),
    actor: text('actor'),
    httpStatus: integer('http_status'),
    durationMs: integer('duration_ms'),
    detail: text('detail'),
  },
  (table) => [index('audit_log_pidx_idx').on(table.pidx, table.id)],
);

export const webhookEndpoints = pgTable('webhook_endpoints', {
  id: text('id').primaryKey(),
  url: text('url').notNull(),
  events: text('events').notNull(),
  description: text('description'),
  enabled: boolean('enabled').notNull().default(true),
  disabledReason: text('disabled_reason'),
  secretGeneration: integer('secret_generation').notNull().default(1),
  previousSecretUntil: at('previous_secret_until'),
  createdAt: at('created_at').notNull(),
  updatedAt: at('updated_at').notNull(),
  deletedAt: at('deleted_at'),
  version: integer('version').notNull().default(0),
});

export const webhookEvents = pgTable(
  'webhook_events',
  {
    id: text('id').primaryKey(),
    type: text('type').notNull(),
    pidx: text('pidx'),
    refundId: text('refund_id'),
    auditId: bigint('audit_id', { mode: 'number' }),
    body: text('body').notNull(),
    createdAt: at('created_at').notNull(),
  },
  (table) => [index('webhook_events_created_idx').on(table.createdAt, table.id)],
);

export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    id: text('id').primaryKey(),
    eventId: text('event_id')
      .notNull()
      .references(() => webhookEvents.id),
    endpointId: text('endpoint_id')
      .notNull()
      .references(() => webhookEndpoints.id),
    state: text('state').$type<WebhookDeliveryState>().notNull(),
    attempts: integer('attempts').notNull().default(0),
    lastHttpStatus: integer('last_http_status'),
    lastError: text('last_error'),
    nextAttemptAt: at('next_attempt_at'),
    leaseUntil: at('lease_until'),
    createdAt: at('created_at').notNull(),
    updatedAt: at('updated_at').notNull(),
    deliveredAt: at('delivered_at'),
    version: integer('version').notNull().default(0),
  },
  (table) => [
    index('webhook_deliveries_due_idx').on(table.state, table.nextAttemptAt),
    index('webhook_deliveries_endpoint_idx').on(table.endpointId, table.createdAt, table.id),
    index('webhook_deliveries_created_idx').on(table.createdAt, table.id),
    index('webhook_deliveries_event_idx').on(table.eventId),
  ],
);

export const webhookAttempts = pgTable(
  'webhook_attempts',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    deliveryId: text('delivery_id')
      .notNull()
      .references(() => webhookDeliveries.id),
    at: at('at').notNull(),
    httpStatus: integer('http_status'),
    error: text('error'),
    durationMs: integer('duration_ms').notNull(),
  },
  (table) => [index('webhook_attempts_delivery_idx').on(table.deliveryId, table.id)],
);
