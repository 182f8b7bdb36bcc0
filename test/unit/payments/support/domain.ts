/**
 * The payments domain wired as src/app.ts wires it, minus HTTP: a real SQLite database in memory,
 * the real repositories and services, an injected clock, and a scripted fake of the Khalti client
 * in place of undici. Unit tests of the domain rules drive it directly.
 */
import { openDatabase, type Database } from '../../../../src/db/connection';
import { TEST_ENGINE } from '../../../support/engine';
import { paymentRow } from '../../../support/payment-row';
import { createPostgresDatabase } from '../../../support/postgres';
import type { PaymentsRepository } from '../../../../src/db/payments.repository';
import type { PaymentRow } from '../../../../src/db/schema';
import { KhaltiUnavailableError } from '../../../../src/khalti/khalti.errors';
import type { LookupResult, RefundRequest, RefundResult } from '../../../../src/khalti/khalti.types';
import type { PaymentStatus } from '../../../../src/payments/payment-status';
import { AuditService } from '../../../../src/payments/audit.service';
import { PaymentEvents, type PaymentStatusChangeEvent } from '../../../../src/payments/payment-events';
import { PaymentStateService } from '../../../../src/payments/payment-state.service';
import { Reconciler, type ReconcilerOptions } from '../../../../src/payments/reconciler';
import { RefundService } from '../../../../src/payments/refund.service';
import { WebhookEndpointsService } from '../../../../src/webhooks/webhook-endpoints.service';
import { WebhookOutbox } from '../../../../src/webhooks/webhook-outbox';

type Answer<T> = T | Error | (() => T | Error);

/** Khalti as the services see it: each call takes the next scripted answer, else the default one. */
export class FakeKhalti {
  readonly lookups: string[] = [];
  readonly refunds: RefundRequest[] = [];
  private readonly lookupScript: Answer<Partial<LookupResult>>[] = [];
  private readonly refundScript: Answer<RefundResult>[] = [];
  /** What lookup says when nothing is scripted (per pidx). */
  readonly truth = new Map<string, Partial<LookupResult>>();

  /** Queue answers for the next lookups (a partial result is merged over the payment's truth). */
  thenLookup(...answers: Answer<Partial<LookupResult>>[]): this {
    this.lookupScript.push(...answers);
    return this;
  }

  thenRefund(...answers: Answer<RefundResult>[]): this {
    this.refundScript.push(...answers);
    return this;
  }

  says(pidx: string, status: PaymentStatus, extra: Partial<LookupResult> = {}): this {
    this.truth.set(pidx, { status, rawStatus: RAW[status], ...extra });
    return this;
  }

  async lookup(pidx: string): Promise<LookupResult> {
    this.lookups.push(pidx);
    const answer = resolve(this.lookupScript.shift() ?? {});
    if (answer instanceof Error) throw answer;
    const base = this.truth.get(pidx) ?? { status: 'INITIATED', rawStatus: 'Initiated' };
    const status = answer.status ?? base.status!;
    return {
      pidx,
      totalAmount: 1300,
      transactionId: null,
      fee: 0,
      refunded: false,
      ...base,
      ...answer,
      status,
      rawStatus: answer.rawStatus ?? (answer.status ? RAW[answer.status] : base.rawStatus!),
    };
  }

  async refund(request: RefundRequest): Promise<RefundResult> {
    this.refunds.push(request);
    const answer = resolve(this.refundScript.shift() ?? { detail: 'Transaction refund successful.' });
    if (answer instanceof Error) throw answer;
    return answer;
  }
}

const RAW: Record<PaymentStatus, string> = {
  INITIATED: 'Initiated',
  PENDING: 'Pending',
  COMPLETED: 'Completed',
  REFUNDED: 'Refunded',
  PARTIALLY_REFUNDED: 'Partially Refunded',
  EXPIRED: 'Expired',
  USER_CANCELED: 'User canceled',
  FAILED: 'Failed',
  UNKNOWN: 'Something new',
};

function resolve<T>(answer: Answer<T>): T | Error {
  return typeof answer === 'function' ? (answer as () => T | Error)() : answer;
}

export const unavailable = (operation: 'lookup' | 'refund' = 'lookup') =>
  new KhaltiUnavailableError(operation, 'timeout', 'the fake timed out', undefined);

export interface Domain {
  database: Database;
  khalti: FakeKhalti;
  payments: PaymentsRepository;
  audit: AuditService;
  events: PaymentStatusChangeEvent[];
  warnings: string[];
  state: PaymentStateService;
  refunds: RefundService;
  reconciler: Reconciler;
  /** The webhook outbox the services record into, and how often it woke the (absent) delivery worker. */
  outbox: WebhookOutbox;
  wakes: { count: number };
  /** Webhook endpoints, signing with DOMAIN_SIGNING_KEY; private addresses allowed (IP literals only, no DNS). */
  webhookEndpoints: WebhookEndpointsService;
  /** Another reconciler on the same database and services (as a second instance would run). */
  secondReconciler(options?: Partial<ReconcilerOptions>): Reconciler;
  clock: { now: Date; advance(ms: number): void; set(at: Date): void };
  /** Stores an INITIATED payment (as initiate would) and returns it. */
  initiated(overrides?: Partial<PaymentRow>): Promise<PaymentRow>;
  /** An INITIATED payment that Khalti then reports Completed, applied by a lookup. */
  completed(overrides?: Partial<PaymentRow>): Promise<PaymentRow>;
  close(): Promise<void>;
}

export const ABANDON_AFTER_MS = 20_000;
export const INTERVAL_MS = 1_000;
export const DOMAIN_SIGNING_KEY = 'domain-test-webhook-signing-key-0123456789';

let counter = 0;

/** The database is SQLite in memory, or a fresh PostgreSQL database when the suite runs on PostgreSQL. */
export async function createDomain(reconcilerOptions: Partial<ReconcilerOptions> = {}): Promise<Domain> {
  const postgres = TEST_ENGINE === 'postgres' ? await createPostgresDatabase() : null;
  const database = await openDatabase(postgres?.url ?? ':memory:');
  const clock = {
    now: new Date('2026-12-01T10:00:00.000Z'),
    advance(ms: number) {
      this.now = new Date(this.now.getTime() + ms);
    },
    set(at: Date) {
      this.now = at;
    },
  };
  const now = () => clock.now;
  const khalti = new FakeKhalti();
  const payments = database.read.payments;
  const audit = new AuditService(database, now);
  const published = new PaymentEvents();
  const events: PaymentStatusChangeEvent[] = [];
  const originalPublish = published.publish.bind(published);
  published.publish = (event) => {
    const fresh = originalPublish(event);
    if (fresh) events.push(event);
    return fresh;
  };
  const warnings: string[] = [];
  const wakes = { count: 0 };
  const outbox = new WebhookOutbox({ wake: () => (wakes.count += 1) });
  const state = new PaymentStateService(database, khalti, audit, published, { now, warn: (line) => warnings.push(line), outbox });
  const refunds = new RefundService(database, khalti, state, audit, {
    outbox,
    abandonAfterMs: ABANDON_AFTER_MS,
    settleBaseDelayMs: INTERVAL_MS,
    settleMaxDelayMs: 60 * INTERVAL_MS,
    now,
  });
  const reconciler = new Reconciler(database, state, refunds, { intervalMs: INTERVAL_MS, now, ...reconcilerOptions });

  const initiated = async (overrides: Partial<PaymentRow> = {}): Promise<PaymentRow> => {
    counter += 1;
    const at = clock.now;
    const row = paymentRow(`pidx${counter}`, at, { nextLookupAt: new Date(at.getTime() + INTERVAL_MS), ...overrides });
    await database.transaction((tx) => state.insertInitiated(tx, row));
    return (await payments.byPidx(row.pidx))!;
  };

  return {
    database,
    secondReconciler: (options = {}) => new Reconciler(database, state, refunds, { intervalMs: INTERVAL_MS, now, ...reconcilerOptions, ...options }),
    khalti,
    payments,
    audit,
    events,
    warnings,
    state,
    refunds,
    reconciler,
    outbox,
    wakes,
    webhookEndpoints: new WebhookEndpointsService(database, audit, {
      signingKey: DOMAIN_SIGNING_KEY,
      urlRules: { production: false, allowPrivate: true },
      now,
    }),
    clock,
    initiated,
    async completed(overrides = {}) {
      const row = await initiated(overrides);
      khalti.says(row.pidx, 'COMPLETED', { totalAmount: row.amount, transactionId: `txn-${row.pidx}`, fee: 30 });
      await state.refresh(row.pidx, 'LOOKUP');
      return (await payments.byPidx(row.pidx))!;
    },
    async close() {
      await database.close();
      await postgres?.drop();
    },
  };
}

/** The audit rows of one payment, oldest first, as `kind:operation` with the parsed detail. */
export async function story(domain: Domain, pidx: string): Promise<{ line: string; actor: string | null; detail: Record<string, unknown> }[]> {
  return (await domain.audit.forPayment(pidx)).map((row) => ({ line: `${row.kind}:${row.operation}`, actor: row.actor, detail: row.detail ? JSON.parse(row.detail) : {} }));
}
