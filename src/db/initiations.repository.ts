import { and, eq, inArray, lte, or, Param, sql } from 'drizzle-orm';
import { preparedQuery, rowPlaceholders, type Executor } from './executor';
import { RECLAIMABLE_STATES, TAKE_OVER_FROM, type InitiationState } from '../payments/initiation-state.rules';
import type { InitiationRow } from './schema';

export class InitiationsRepository {
  constructor(private readonly x: Executor) {}

  async get(purchaseOrderId: string): Promise<InitiationRow | undefined> {
    const { initiations } = this.x.tables;
    const [row] = await this.x.db.select().from(initiations).where(eq(initiations.purchaseOrderId, purchaseOrderId)).limit(1);
    return row;
  }

  /**
   * Takes the claim on an order in one statement: inserted when there is none, replaced when the
   * one there has ended or its lease ran out (initiation-state.rules.ts), left alone otherwise.
   * True when the claim is now `row`'s. One atomic upsert, so two requests (in any processes, on
   * either engine) can never both take it, whatever their transactions see.
   */
  async claim(row: InitiationRow, now: Date): Promise<boolean> {
    // Once per initiation: prepared per shape (a claim's pidx is null, its other columns given).
    const { shape, values, params } = rowPlaceholders(row, 'row.');
    const query = preparedQuery(this.x, `initiations.claim:${shape}`, () => {
      const { initiations } = this.x.tables;
      const claimed = values as unknown as InitiationRow;
      // A placeholder compared with a column is not mapped through the column's encoder unless
      // wrapped in its Param (a Date must become the engine's value: epoch ms, timestamptz).
      const nowParam = new Param(sql.placeholder('now'), initiations.leaseUntil);
      return this.x.db
        .insert(initiations)
        .values(claimed)
        .onConflictDoUpdate({
          target: initiations.purchaseOrderId,
          set: {
            requestFingerprint: claimed.requestFingerprint,
            state: claimed.state,
            pidx: claimed.pidx,
            owner: claimed.owner,
            leaseUntil: claimed.leaseUntil,
            updatedAt: claimed.updatedAt,
          },
          setWhere: or(
            inArray(initiations.state, [...RECLAIMABLE_STATES]),
            and(eq(initiations.state, TAKE_OVER_FROM), lte(initiations.leaseUntil, nowParam)),
          ),
        })
        .returning({ owner: initiations.owner })
        .prepare();
    });
    const taken = await query.execute({ ...params, now });
    return taken[0]?.owner === row.owner;
  }

  /** Ends a claim, but only the caller's own: a claim taken over by someone else is theirs now. */
  async finish(purchaseOrderId: string, owner: string, state: InitiationState, pidx: string | null, at: Date): Promise<boolean> {
    const { initiations } = this.x.tables;
    const ended = await this.x.db
      .update(initiations)
      .set({ state, pidx, updatedAt: at })
      .where(and(eq(initiations.purchaseOrderId, purchaseOrderId), eq(initiations.owner, owner)))
      .returning({ owner: initiations.owner });
    return ended.length === 1;
  }
}
