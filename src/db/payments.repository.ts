import { and, desc, eq, inArray, isNotNull, lte, sql } from 'drizzle-orm';
import type { Db } from './connection';
import type { PaymentStatus } from '../payments/payment-status';
import { payments, type NewPaymentRow, type PaymentRow } from './schema';

export class PaymentsRepository {
  // Prepared once: these two reads run several times per request (the bench showed statement
  // compilation as a fifth of the payment(pidx) path).
  private readonly byPidxStatement;
  private readonly byPurchaseOrderIdStatement;

  constructor(private readonly db: Db) {
    this.byPidxStatement = db.select().from(payments).where(eq(payments.pidx, sql.placeholder('pidx'))).prepare();
    this.byPurchaseOrderIdStatement = db
      .select()
      .from(payments)
      .where(eq(payments.purchaseOrderId, sql.placeholder('purchaseOrderId')))
      .prepare();
  }

  byPidx(pidx: string): PaymentRow | undefined {
    return this.byPidxStatement.get({ pidx });
  }

  byPurchaseOrderId(purchaseOrderId: string): PaymentRow | undefined {
    return this.byPurchaseOrderIdStatement.get({ purchaseOrderId });
  }

  insert(row: NewPaymentRow): void {
    this.db.insert(payments).values(row).run();
  }

  /**
   * Compare-and-set on `version`: the write lands only if nobody else wrote the row since it was
   * read. Returns false when it lost that race.
   */
  update(pidx: string, expectedVersion: number, changes: Partial<NewPaymentRow>): boolean {
    const result = this.db
      .update(payments)
      .set({ ...changes, version: expectedVersion + 1 })
      .where(and(eq(payments.pidx, pidx), eq(payments.version, expectedVersion)))
      .run();
    return result.changes === 1;
  }

  /** Newest first, keyset-paginated by (createdAt, pidx). */
  page(options: { statuses?: readonly PaymentStatus[]; before?: { createdAt: Date; pidx: string }; limit: number }): PaymentRow[] {
    const before = options.before;
    const conditions = [
      options.statuses ? inArray(payments.status, options.statuses) : undefined,
      before
        ? sql`(${payments.createdAt} < ${before.createdAt.getTime()} OR (${payments.createdAt} = ${before.createdAt.getTime()} AND ${payments.pidx} < ${before.pidx}))`
        : undefined,
    ].filter((condition) => condition !== undefined);
    return this.db
      .select()
      .from(payments)
      .where(conditions.length ? and(...conditions) : undefined)
      .orderBy(desc(payments.createdAt), desc(payments.pidx))
      .limit(options.limit)
      .all();
  }

  count(statuses?: readonly PaymentStatus[]): number {
    const row = this.db
      .select({ n: sql<number>`count(*)` })
      .from(payments)
      .where(statuses ? inArray(payments.status, statuses) : undefined)
      .get();
    return row?.n ?? 0;
  }

  /** How many payments are in each status (statuses with none are absent). */
  countByStatus(): { status: PaymentStatus; n: number }[] {
    return this.db
      .select({ status: payments.status, n: sql<number>`count(*)` })
      .from(payments)
      .groupBy(payments.status)
      .all();
  }

  /** How many payments have a reconciler lookup due at `now` (what dueForLookup would page through). */
  countDueForLookup(now: Date): number {
    const row = this.db
      .select({ n: sql<number>`count(*)` })
      .from(payments)
      .where(and(isNotNull(payments.nextLookupAt), lte(payments.nextLookupAt, now)))
      .get();
    return row?.n ?? 0;
  }

  /** Payments whose next reconciler lookup is due (next_lookup_at is null once nothing can change). */
  dueForLookup(now: Date, limit: number): PaymentRow[] {
    return this.db
      .select()
      .from(payments)
      .where(and(isNotNull(payments.nextLookupAt), lte(payments.nextLookupAt, now)))
      .orderBy(payments.nextLookupAt)
      .limit(limit)
      .all();
  }
}
