/**
 * The admin list's queries as SQLite plans them: filtered by status and ordered newest first, a
 * page reads one index in order (no full scan, no sort of every matching row), so its cost does
 * not grow with the table.
 */
import { openDatabase, type OpenDatabase } from '../../../src/db/connection';
import { PaymentsRepository } from '../../../src/db/payments.repository';

describe('payments list query plans', () => {
  let database: OpenDatabase;
  let captured: { sql: string; params: unknown[] }[];
  beforeEach(() => {
    captured = [];
    database = openDatabase(':memory:', { onQuery: (sql, params) => captured.push({ sql, params }) });
  });
  afterEach(() => database.close());

  const planOf = (run: () => unknown): string => {
    captured = [];
    run();
    const { sql, params } = captured.at(-1)!;
    const rows = database.sqlite.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...(params as unknown[])) as { detail: string }[];
    return rows.map((row) => row.detail).join(' | ');
  };

  it('serves a status filter and the newest-first order from one index, first page and later pages alike', () => {
    const payments = new PaymentsRepository(database.db);
    const first = planOf(() => payments.page({ statuses: ['COMPLETED'], limit: 51 }));
    const later = planOf(() => payments.page({ statuses: ['COMPLETED'], before: { createdAt: new Date(), pidx: 'p' }, limit: 51 }));
    for (const plan of [first, later]) {
      expect(plan).toMatch(/USING (COVERING )?INDEX payments_status_created_idx/);
      expect(plan).not.toMatch(/TEMP B-TREE/);
    }
  });

  it('counts one status from the index too', () => {
    const payments = new PaymentsRepository(database.db);
    expect(planOf(() => payments.count(['COMPLETED']))).toMatch(/USING COVERING INDEX payments_status_created_idx/);
  });
});
