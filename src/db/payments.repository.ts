import { and, count, desc, eq, inArray, isNotNull, lt, lte, or, sql } from 'drizzle-orm';
import { preparedQuery, rowPlaceholders, type Executor } from './executor';
import type { PaymentStatus } from '../payments/payment-status';
import type { NewPaymentRow, PaymentRow } from './schema';

export class PaymentsRepository {
  constructor(private readonly x: Executor) {}

  async byPidx(pidx: string): Promise<PaymentRow | undefined> {
    // Several times per request (the bench's profile showed building and preparing its SQL each time).
    // No LIMIT: pidx is the primary key, so there is at most one row anyway, and Drizzle binds a
    // limit as a parameter, with which this lookup took SQLite about 3 times as long (22 µs, not 7).
    const query = preparedQuery(this.x, 'payments.byPidx', () => {
      const { payments } = this.x.tables;
      return this.x.db.select().from(payments).where(eq(payments.pidx, sql.placeholder('pidx'))).prepare();
    });
    const [row] = await query.execute({ pidx });
    return row;
  }

  async byPurchaseOrderId(purchaseOrderId: string): Promise<PaymentRow | undefined> {
    const { payments } = this.x.tables;
    const [row] = await this.x.db.select().from(payments).where(eq(payments.purchaseOrderId, purchaseOrderId)).limit(1);
    return row;
  }

  async insert(row: NewPaymentRow): Promise<void> {
    // Once per initiation: prepared per shape (which columns are given, which are null).
    const { shape, values, params } = rowPlaceholders(row, '');
    const query = preparedQuery(this.x, `payments.insert:${shape}`, () =>
      this.x.db.insert(this.x.tables.payments).values(values as unknown as NewPaymentRow).prepare(),
    );
    await query.execute(params);
  }

  /**
   * Compare-and-set on `version`: the write lands only if nobody else wrote the row since it was
   * read, and returns the row as written; undefined when it lost that race.
   */
  async update(pidx: string, expectedVersion: number, changes: Partial<NewPaymentRow>): Promise<PaymentRow | undefined> {
    // On every status change; each call site changes a fixed set of columns, so a few shapes.
    const { shape, values, params } = rowPlaceholders(changes, 'set.');
    const query = preparedQuery(this.x, `payments.update:${shape}`, () => {
      const { payments } = this.x.tables;
      return this.x.db
        .update(payments)
        .set({ ...(values as Partial<NewPaymentRow>), version: sql.placeholder('newVersion') as unknown as number })
        .where(and(eq(payments.pidx, sql.placeholder('pidx')), eq(payments.version, sql.placeholder('expectedVersion'))))
        .returning()
        .prepare();
    });
    const [row] = await query.execute({ ...params, pidx, expectedVersion, newVersion: expectedVersion + 1 });
    return row;
  }

  /** Newest first, keyset-paginated by (createdAt, pidx). */
  async page(options: { statuses?: readonly PaymentStatus[]; before?: { createdAt: Date; pidx: string }; limit: number }): Promise<PaymentRow[]> {
    const { payments } = this.x.tables;
    const before = options.before;
    const conditions = [
      options.statuses ? inArray(payments.status, [...options.statuses]) : undefined,
      before
        ? or(lt(payments.createdAt, before.createdAt), and(eq(payments.createdAt, before.createdAt), lt(payments.pidx, before.pidx)))
        : undefined,
    ].filter((condition) => condition !== undefined);
    return this.x.db
      .select()
      .from(payments)
      .where(conditions.length ? and(...conditions) : undefined)
      .orderBy(desc(payments.createdAt), desc(payments.pidx))
      .limit(options.limit);
  }

  async count(statuses?: readonly PaymentStatus[]): Promise<number> {
    const { payments } = this.x.tables;
    const [row] = await this.x.db
      .select({ n: count() })
      .from(payments)
      .where(statuses ? inArray(payments.status, [...statuses]) : undefined);
    return row?.n ?? 0;
  }

  /** How many payments are in each status (statuses with none are absent). */
  async countByStatus(): Promise<{ status: PaymentStatus; n: number }[]> {
    const { payments } = this.x.tables;
    return this.x.db.select({ status: payments.status, n: count() }).from(payments).groupBy(payments.status);
  }

  /** How many payments have a reconciler lookup due at `now` (what claimDueForLookup would take). */
  async countDueForLookup(now: Date): Promise<number> {
    const { payments } = this.x.tables;
    const [row] = await this.x.db
      .select({ n: count() })
      .from(payments)
      .where(and(isNotNull(payments.nextLookupAt), lte(payments.nextLookupAt, now)));
    return row?.n ?? 0;
  }

  /**
   * Claims up to `limit` payments whose reconciler lookup is due, oldest due first, by moving their
   * next_lookup_at to `leaseUntil`: until then no other pass (in any instance) takes them, and if
   * this one dies they come due again. On PostgreSQL rows another instance is claiming right now
   * are skipped (FOR UPDATE SKIP LOCKED), so concurrent passes share the backlog instead of
   * waiting on each other; SQLite's writer runs one unit at a time anyway.
   */
  async claimDueForLookup(now: Date, limit: number, leaseUntil: Date): Promise<PaymentRow[]> {
    const { payments } = this.x.tables;
    const lock = this.x.engine === 'postgres' ? sql` FOR UPDATE SKIP LOCKED` : sql``;
    const due = and(isNotNull(payments.nextLookupAt), lte(payments.nextLookupAt, now));
    const claimed = await this.x.db
      .update(payments)
      .set({ nextLookupAt: leaseUntil })
      .where(inArray(payments.pidx, sql`(SELECT ${payments.pidx} FROM ${payments} WHERE ${due} ORDER BY ${payments.nextLookupAt} LIMIT ${limit}${lock})`))
      .returning();
    return claimed;
  }
}
