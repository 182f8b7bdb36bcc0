import { and, count, desc, eq, gt, inArray, lt, max, sql } from 'drizzle-orm';
import { preparedQuery, type Executor } from './executor';
import type { AuditRow, NewAuditRow } from './schema';

/** Append-only access to the audit log: insert and read, nothing else (the table's triggers agree). */
export class AuditRepository {
  constructor(private readonly x: Executor) {}

  /** Appends a row and returns its id. */
  async insert(row: Omit<NewAuditRow, 'id'>): Promise<number> {
    // On every upstream call and status change: its SQL is built once per executor.
    const query = preparedQuery(this.x, 'audit.insert', () => {
      const { auditLog } = this.x.tables;
      return this.x.db
        .insert(auditLog)
        .values({
          at: sql.placeholder('at'),
          kind: sql.placeholder('kind'),
          operation: sql.placeholder('operation'),
          pidx: sql.placeholder('pidx'),
          actor: sql.placeholder('actor'),
          httpStatus: sql.placeholder('httpStatus'),
          durationMs: sql.placeholder('durationMs'),
          detail: sql.placeholder('detail'),
        })
        .returning({ id: auditLog.id })
        .prepare();
    });
    const [inserted] = await query.execute({
      at: row.at,
      kind: row.kind,
      operation: row.operation,
      pidx: row.pidx ?? null,
      actor: row.actor ?? null,
      httpStatus: row.httpStatus ?? null,
      durationMs: row.durationMs ?? null,
      detail: row.detail ?? null,
    });
    return inserted!.id;
  }

  /** One status-change row by id (what an announcement names). */
  async statusChangeById(id: number): Promise<AuditRow | undefined> {
    const { auditLog } = this.x.tables;
    const [row] = await this.x.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.id, id), eq(auditLog.kind, 'status_change')))
      .limit(1);
    return row;
  }

  /** Status changes recorded after a given row id, oldest first (for other processes' events). */
  async statusChangesAfter(id: number, limit: number): Promise<AuditRow[]> {
    const { auditLog } = this.x.tables;
    return this.x.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.kind, 'status_change'), gt(auditLog.id, id)))
      .orderBy(auditLog.id)
      .limit(limit);
  }

  /** One payment's status changes recorded after a given row id, oldest first (a resumed subscription's replay). */
  async statusChangesOf(pidx: string, afterId: number, limit: number): Promise<AuditRow[]> {
    const { auditLog } = this.x.tables;
    return this.x.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.pidx, pidx), eq(auditLog.kind, 'status_change'), gt(auditLog.id, afterId)))
      .orderBy(auditLog.id)
      .limit(limit);
  }

  /** The status changes of several payments in one query, oldest first (their status cursors). */
  async statusChangesOfPayments(pidxs: readonly string[]): Promise<AuditRow[]> {
    if (pidxs.length === 0) return [];
    const { auditLog } = this.x.tables;
    return this.x.db
      .select()
      .from(auditLog)
      .where(and(inArray(auditLog.pidx, [...pidxs]), eq(auditLog.kind, 'status_change')))
      .orderBy(auditLog.id);
  }

  async lastId(): Promise<number> {
    const { auditLog } = this.x.tables;
    const [row] = await this.x.db.select({ id: max(auditLog.id) }).from(auditLog);
    return Number(row?.id ?? 0);
  }

  /** Newest first, keyset-paginated by id. */
  async page(options: { pidx?: string; beforeId?: number; limit: number }): Promise<AuditRow[]> {
    const { auditLog } = this.x.tables;
    const conditions = [
      options.pidx !== undefined ? eq(auditLog.pidx, options.pidx) : undefined,
      options.beforeId !== undefined ? lt(auditLog.id, options.beforeId) : undefined,
    ].filter((condition) => condition !== undefined);
    return this.x.db
      .select()
      .from(auditLog)
      .where(conditions.length ? and(...conditions) : undefined)
      .orderBy(desc(auditLog.id))
      .limit(options.limit);
  }

  async count(pidx?: string): Promise<number> {
    const { auditLog } = this.x.tables;
    const [row] = await this.x.db
      .select({ n: count() })
      .from(auditLog)
      .where(pidx !== undefined ? eq(auditLog.pidx, pidx) : undefined);
    return row?.n ?? 0;
  }

  /** Oldest first: the story of one payment. */
  async forPayment(pidx: string): Promise<AuditRow[]> {
    const { auditLog } = this.x.tables;
    return this.x.db.select().from(auditLog).where(eq(auditLog.pidx, pidx)).orderBy(auditLog.id);
  }

  /** The rows of several payments in one query, oldest first within each. */
  async forPayments(pidxs: readonly string[]): Promise<AuditRow[]> {
    if (pidxs.length === 0) return [];
    const { auditLog } = this.x.tables;
    return this.x.db.select().from(auditLog).where(inArray(auditLog.pidx, [...pidxs])).orderBy(auditLog.id);
  }
}
