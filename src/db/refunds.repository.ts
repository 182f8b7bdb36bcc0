import { and, count, desc, eq, inArray } from 'drizzle-orm';
import type { Executor } from './executor';
import type { RefundState } from '../payments/refund-state.rules';
import type { NewRefundRow, RefundRow } from './schema';

export class RefundsRepository {
  constructor(private readonly x: Executor) {}

  async byId(id: string): Promise<RefundRow | undefined> {
    const { refunds } = this.x.tables;
    const [row] = await this.x.db.select().from(refunds).where(eq(refunds.id, id)).limit(1);
    return row;
  }

  async byIdempotencyKey(key: string): Promise<RefundRow | undefined> {
    const { refunds } = this.x.tables;
    const [row] = await this.x.db.select().from(refunds).where(eq(refunds.idempotencyKey, key)).limit(1);
    return row;
  }

  async forPayment(pidx: string): Promise<RefundRow[]> {
    const { refunds } = this.x.tables;
    return this.x.db.select().from(refunds).where(eq(refunds.pidx, pidx)).orderBy(refunds.createdAt, refunds.id);
  }

  /** The refunds of several payments in one query, oldest first within each. */
  async forPayments(pidxs: readonly string[]): Promise<RefundRow[]> {
    if (pidxs.length === 0) return [];
    const { refunds } = this.x.tables;
    return this.x.db.select().from(refunds).where(inArray(refunds.pidx, [...pidxs])).orderBy(refunds.createdAt, refunds.id);
  }

  async inStates(states: readonly RefundState[], pidx?: string): Promise<RefundRow[]> {
    const { refunds } = this.x.tables;
    const byState = inArray(refunds.state, [...states]);
    return this.x.db
      .select()
      .from(refunds)
      .where(pidx !== undefined ? and(byState, eq(refunds.pidx, pidx)) : byState)
      .orderBy(desc(refunds.createdAt));
  }

  async countInState(state: RefundState): Promise<number> {
    const { refunds } = this.x.tables;
    const [row] = await this.x.db.select({ n: count() }).from(refunds).where(eq(refunds.state, state));
    return row?.n ?? 0;
  }

  async insert(row: NewRefundRow): Promise<void> {
    await this.x.db.insert(this.x.tables.refunds).values(row);
  }

  async update(id: string, changes: Partial<NewRefundRow>): Promise<void> {
    const { refunds } = this.x.tables;
    await this.x.db.update(refunds).set(changes).where(eq(refunds.id, id));
  }
}
