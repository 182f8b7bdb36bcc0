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

export type PaymentRow = typeof payments.$inferSelect;
export type NewPaymentRow = typeof payments.$inferInsert;
export type RefundRow = typeof refunds.$inferSelect;
export type NewRefundRow = typeof refunds.$inferInsert;
export type InitiationRow = typeof initiations.$inferSelect;
export type AuditRow = typeof auditLog.$inferSelect;
export type NewAuditRow = typeof auditLog.$inferInsert;
