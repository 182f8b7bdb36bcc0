import { and, desc, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from './connection';
import type { RefundState } from '../payments/refund-state.rules';
import { refunds, type NewRefundRow, type RefundRow } from './schema';

export class RefundsRepository {
  constructor(private readonly db: Db) {}

  byId(id: string): RefundRow | undefined {
    return this.db.select().from(refunds).where(eq(refunds.id, id)).get();
  }

  byIdempotencyKey(key: string): RefundRow | undefined {
    return this.db.select().from(refunds).where(eq(refunds.idempotencyKey, key)).get();
  }

  forPayment(pidx: string): RefundRow[] {
    return this.db.select().from(refunds).where(eq(refunds.pidx, pidx)).orderBy(refunds.createdAt).all();
  }

  /** The refunds of several payments in one query, oldest first within each. */
  forPayments(pidxs: readonly string[]): RefundRow[] {
    if (pidxs.length === 0) return [];
    return this.db.select().from(refunds).where(inArray(refunds.pidx, [...pidxs])).orderBy(refunds.createdAt).all();
  }

  inStates(states: readonly RefundState[], pidx?: string): RefundRow[] {
    const byState = inArray(refunds.state, states);
    return this.db
      .select()
      .from(refunds)
      .where(pidx !== undefined ? and(byState, eq(refunds.pidx, pidx)) : byState)
      .orderBy(desc(refunds.createdAt))
      .all();
  }

  countInState(state: RefundState): number {
    const row = this.db.select({ n: sql<number>`count(*)` }).from(refunds).where(eq(refunds.state, state)).get();
    return row?.n ?? 0;
  }

  insert(row: NewRefundRow): void {
    this.db.insert(refunds).values(row).run();
  }

  update(id: string, changes: Partial<NewRefundRow>): void {
    this.db.update(refunds).set(changes).where(eq(refunds.id, id)).run();
  }
}
