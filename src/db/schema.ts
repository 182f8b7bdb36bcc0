/**
 * Drizzle tables. Money columns are integer paisa; times are integer epoch milliseconds.
 * Only src/db/ and the services in src/payments/ touch these.
 */
import { sql } from 'drizzle-orm';
import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import type { AuditKind } from '../payments/audit-operation';
import type { InitiationState } from '../payments/initiation-state.rules';
import type { PaymentStatus } from '../payments/payment-status';
import { isOpenRefund, REFUND_STATES, type RefundState } from '../payments/refund-state.rules';
import type { WebhookDeliveryState } from '../payments/webhook-delivery-state.rules';

/**
 * The open refund states ('REQUESTED', 'UNKNOWN'), from the refund rules rather than a second copy,
 * as SQL literals for the partial unique index (an index predicate takes no bound parameters).
 * Changing isOpenRefund changes this predicate: generate a migration for it.
 */
const openRefundStates = sql.raw(REFUND_STATES.filter(isOpenRefund).map((state) => `'${state}'`).join(', '));

export const payments = sqliteTable(
  'payments',
  {
    pidx: text('pidx').primaryKey(),
    purchaseOrderId: text('purchase_order_id').notNull(),
    purchaseOrderName: text('purchase_order_name').notNull(),
    /** paisa, as initiated */
    amount: integer('amount').notNull(),
    /** paisa, as Khalti's last lookup reported it */
    totalAmount: integer('total_amount'),
    status: text('status').$type<PaymentStatus>().notNull(),
    transactionId: text('transaction_id'),
    fee: integer('fee'),
    refunded: integer('refunded', { mode: 'boolean' }).notNull().default(false),
    /** paisa refunded by refunds that succeeded */
    refundedAmount: integer('refunded_amount').notNull().default(0),
    paymentUrl: text('payment_url').notNull(),
    /** the merchant's own returnUrl, as given */
    returnUrl: text('return_url').notNull(),
    /**
     * The buyer's personal data (customerInfo), kept here and nowhere else: audit rows carry it
     * redacted, so erasePersonalData can remove it for good. Null once erased.
     */
    customerName: text('customer_name'),
    customerEmail: text('customer_email'),
    customerPhone: text('customer_phone'),
    /** When erasePersonalData removed the buyer's personal data from this payment and its refunds */
    personalDataErasedAt: integer('personal_data_erased_at', { mode: 'timestamp_ms' }),
    /**
     * True when EXPIRED was the gateway's own inference (Khalti still said Initiated after
     * expires_at), not Khalti's answer: the reconciler keeps a slow tail of lookups for it.
     */
    expiryInferred: integer('expiry_inferred', { mode: 'boolean' }).notNull().default(false),
    /** Khalti reported Completed after the gateway had inferred EXPIRED */
    lateCompletion: integer('late_completion', { mode: 'boolean' }).notNull().default(false),
    /** true when a banking mode was requested: Khalti's bank refunds need a mobile number */
    bankPayment: integer('bank_payment', { mode: 'boolean' }).notNull().default(false),
    /** sha256 of the canonical initiate input: same order + same fingerprint = the same payment */
    requestFingerprint: text('request_fingerprint').notNull(),
    expiresAt: integer('expires_at', { mode: 'timestamp_ms' }).notNull(),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
    /** reconciler bookkeeping: when to look this payment up next, and how many times it has been */
    nextLookupAt: integer('next_lookup_at', { mode: 'timestamp_ms' }),
    lookupAttempts: integer('lookup_attempts').notNull().default(0),
    /** bumped on every write, for compare-and-set updates */
    version: integer('version').notNull().default(0),
  },
  (table) => [
    uniqueIndex('payments_purchase_order_id_unique').on(table.purchaseOrderId),
    // The admin list filtered by status, newest first: one index serves the filter and the order
    // (and keyset pagination), so a page costs the same at 10k rows as at 1M.
    index('payments_status_created_idx').on(table.status, table.createdAt, table.pidx),
    index('payments_next_lookup_idx').on(table.nextLookupAt),
    index('payments_created_idx').on(table.createdAt),
  ],
);

export const refunds = sqliteTable(
  'refunds',
  {
    id: text('id').primaryKey(),
    pidx: text('pidx')
      .notNull()
      .references(() => payments.pidx),
    /** paisa */
    amount: integer('amount').notNull(),
    /** true when the caller asked for "everything left" rather than an amount */
    full: integer('full', { mode: 'boolean' }).notNull(),
    mobile: text('mobile'),
    state: text('state').$type<RefundState>().notNull(),
    detail: text('detail'),
    idempotencyKey: text('idempotency_key'),
    requestFingerprint: text('request_fingerprint').notNull(),
    actor: text('actor'),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
    /** An UNKNOWN refund's next settling lookup; its follow-ups back off instead of running every pass */
    nextSettleAt: integer('next_settle_at', { mode: 'timestamp_ms' }),
    settleAttempts: integer('settle_attempts').notNull().default(0),
  },
  (table) => [
    index('refunds_pidx_idx').on(table.pidx),
    uniqueIndex('refunds_idempotency_key_unique')
      .on(table.idempotencyKey)
      .where(sql`${table.idempotencyKey} IS NOT NULL`),
    // At most one open refund per payment: the database itself refuses a second while one is
    // REQUESTED or UNKNOWN, whichever process or instance tries (REFUND_OUTCOME_UNKNOWN / one upstream call).
    uniqueIndex('refunds_one_open_per_payment').on(table.pidx).where(sql`${table.state} IN (${openRefundStates})`),
  ],
);

/**
 * One row per purchaseOrderId being initiated: the claim that makes "one Khalti payment per
 * order" hold across requests and processes. A live lease means someone is talking to Khalti for
 * this order right now; others wait for its outcome instead of starting a second payment.
 */
export const initiations = sqliteTable('initiations', {
  purchaseOrderId: text('purchase_order_id').primaryKey(),
  requestFingerprint: text('request_fingerprint').notNull(),
  /**
   * 'IN_FLIGHT' while a call to Khalti is under way, 'DONE' once the payment is stored; 'FAILED'
   * (Khalti refused) or 'UNKNOWN' (no answer: Khalti may hold a payment nobody was told of) may be retried
   */
  state: text('state').$type<InitiationState>().notNull(),
  pidx: text('pidx'),
  /** Who holds the claim (process and request), for the audit trail and for diagnosing a crash */
  owner: text('owner').notNull(),
  /** An IN_FLIGHT claim past this moment was abandoned (its process died): it may be taken over */
  leaseUntil: integer('lease_until', { mode: 'timestamp_ms' }).notNull(),
  updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
});

/** Append-only: triggers in the migrations refuse UPDATE and DELETE. */
export const auditLog = sqliteTable(
  'audit_log',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    at: integer('at', { mode: 'timestamp_ms' }).notNull(),
    /** The closed vocabulary of src/payments/audit-operation.ts, written and read through its codec */
    kind: text('kind').$type<AuditKind>().notNull(),
    operation: text('operation').notNull(),
    pidx: text('pidx'),
    /** API key id of the caller (never the key), or 'system' / 'buyer' */
    actor: text('actor'),
    httpStatus: integer('http_status'),
    durationMs: integer('duration_ms'),
    /** JSON text, secrets redacted */
    detail: text('detail'),
  },
  (table) => [index('audit_log_pidx_idx').on(table.pidx, table.id)],
);

/**
 * Where the merchant's backend receives webhooks. The signing secret is never stored: it is derived
 * from WEBHOOK_SIGNING_KEY, the endpoint's id and its secret generation (src/webhooks/), so a copy
 * of the database signs nothing. Deleted endpoints stay (their deliveries refer to them) but are
 * neither listed nor sent to.
 */
export const webhookEndpoints = sqliteTable('webhook_endpoints', {
  id: text('id').primaryKey(),
  url: text('url').notNull(),
  /** JSON array of wire event types ("payment.completed", ...) this endpoint receives */
  events: text('events').notNull(),
  description: text('description'),
  enabled: integer('enabled', { mode: 'boolean' }).notNull().default(true),
  /** Why the gateway disabled it (a 410 Gone), or null */
  disabledReason: text('disabled_reason'),
  /** Bumped by rotateWebhookSecret: the secret in use is derived from this generation */
  secretGeneration: integer('secret_generation').notNull().default(1),
  /** Until when the previous generation's secret also signs (24 hours after a rotation) */
  previousSecretUntil: integer('previous_secret_until', { mode: 'timestamp_ms' }),
  createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
  updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
  deletedAt: integer('deleted_at', { mode: 'timestamp_ms' }),
  version: integer('version').notNull().default(0),
});

/**
 * The outbox: one row per event, written in the transaction that commits the change it reports.
 * `body` is the exact JSON sent (and signed) on every attempt of every delivery of it.
 */
export const webhookEvents = sqliteTable(
  'webhook_events',
  {
    /** The Standard Webhooks `webhook-id` (msg_...), the same on every attempt and redelivery */
    id: text('id').primaryKey(),
    /** Wire type, e.g. "payment.completed" */
    type: text('type').notNull(),
    pidx: text('pidx'),
    refundId: text('refund_id'),
    /** The audit row of the change this event reports, when there is one */
    auditId: integer('audit_id'),
    body: text('body').notNull(),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (table) => [index('webhook_events_created_idx').on(table.createdAt, table.id)],
);

/** One event for one endpoint: the unit the worker claims, attempts and retries. */
export const webhookDeliveries = sqliteTable(
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
    /** When the next attempt is due (null once final) */
    nextAttemptAt: integer('next_attempt_at', { mode: 'timestamp_ms' }),
    /** An instance attempting it holds it until then; past it, another instance may take it over */
    leaseUntil: integer('lease_until', { mode: 'timestamp_ms' }),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
    deliveredAt: integer('delivered_at', { mode: 'timestamp_ms' }),
    version: integer('version').notNull().default(0),
  },
  (table) => [
    index('webhook_deliveries_due_idx').on(table.state, table.nextAttemptAt),
    index('webhook_deliveries_endpoint_idx').on(table.endpointId, table.createdAt, table.id),
    index('webhook_deliveries_created_idx').on(table.createdAt, table.id),
    index('webhook_deliveries_event_idx').on(table.eventId),
  ],
);

/** Append-only history: every attempt of every delivery, kept. */
export const webhookAttempts = sqliteTable(
  'webhook_attempts',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    deliveryId: text('delivery_id')
      .notNull()
      .references(() => webhookDeliveries.id),
    at: integer('at', { mode: 'timestamp_ms' }).notNull(),
    httpStatus: integer('http_status'),
    error: text('error'),
    durationMs: integer('duration_ms').notNull(),
  },
  (table) => [index('webhook_attempts_delivery_idx').on(table.deliveryId, table.id)],
);

export type PaymentRow = typeof payments.$inferSelect;
export type NewPaymentRow = typeof payments.$inferInsert;
export type RefundRow = typeof refunds.$inferSelect;
export type NewRefundRow = typeof refunds.$inferInsert;
export type InitiationRow = typeof initiations.$inferSelect;
export type AuditRow = typeof auditLog.$inferSelect;
export type NewAuditRow = typeof auditLog.$inferInsert;
export type WebhookEndpointRow = typeof webhookEndpoints.$inferSelect;
export type NewWebhookEndpointRow = typeof webhookEndpoints.$inferInsert;
export type WebhookEventRow = typeof webhookEvents.$inferSelect;
export type NewWebhookEventRow = typeof webhookEvents.$inferInsert;
export type WebhookDeliveryRow = typeof webhookDeliveries.$inferSelect;
export type NewWebhookDeliveryRow = typeof webhookDeliveries.$inferInsert;
export type WebhookAttemptRow = typeof webhookAttempts.$inferSelect;
export type NewWebhookAttemptRow = typeof webhookAttempts.$inferInsert;
