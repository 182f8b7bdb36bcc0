/**
 * The admin list's queries as SQLite plans them: filtered by status and ordered newest first, a
 * page reads one index in order (no full scan, no sort of every matching row), so its cost does
 * not grow with the table.
 */
import { openSqliteDatabase, type SqliteDatabase } from '../../../src/db/sqlite/sqlite-database';
import { describeOnSqlite } from '../../support/engine';

describeOnSqlite('payments list query plans', () => {
  let database: SqliteDatabase;
  let captured: { sql: string; params: unknown[] }[];
  beforeEach(() => {
    captured = [];
    database = openSqliteDatabase(':memory:', { onQuery: (sql, params) => captured.push({ sql, params }) });
  });
  afterEach(() => database.close());

  const planOf = async (run: () => Promise<unknown>): Promise<string> => {
    captured = [];
    await run();
    const { sql, params } = captured.at(-1)!;
    const rows = database.sqlite.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...(params as unknown[])) as { detail: string }[];
    return rows.map((row) => row.detail).join(' | ');
  };

  it('serves a status filter and the newest-first order from one index, first page and later pages alike', async () => {
    const payments = database.read.payments;
    const first = await planOf(() => payments.page({ statuses: ['COMPLETED'], limit: 51 }));
    const later = await planOf(() => payments.page({ statuses: ['COMPLETED'], before: { createdAt: new Date(), pidx: 'p' }, limit: 51 }));
    for (const plan of [first, later]) {
      expect(plan).toMatch(/USING (COVERING )?INDEX payments_status_created_idx/);
      expect(plan).not.toMatch(/TEMP B-TREE/);
    }
  });

  it('counts one status from the index too', async () => {
    const payments = database.read.payments;
    expect(await planOf(() => payments.count(['COMPLETED']))).toMatch(/USING COVERING INDEX payments_status_created_idx/);
  });
});
