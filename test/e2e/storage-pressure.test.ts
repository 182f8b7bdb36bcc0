/**
 * SQLite under pressure: another writer holding the lock past busy_timeout, and a full disk.
 * The caller gets a clear error, nothing of the request is half-written, and no money moves; and
 * while a write waits for the lock, the rest of the process keeps answering.
 */
import Database from 'better-sqlite3';
import { ADMIN_KEY, startGateway, upstreamRequests, type TestGateway } from '../support/gateway';
import { INITIATE, PAYMENT, REFUND, orderInput } from '../support/operations';
import { completed } from '../support/payments';
import { sqliteOf } from '../support/database';
import { request } from 'undici';
import { describeOnSqlite } from '../support/engine';

describeOnSqlite('SQLite under pressure', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    // Fail fast instead of the production 5 s wait, so the test is quick.
    gateway = await startGateway({ DATABASE_BUSY_TIMEOUT_MS: '200' });
  });
  afterAll(() => gateway.close());

  const counts = () => {
    const db = new Database(gateway.databaseFile, { readonly: true });
    try {
      const count = (table: string) => (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
      return { payments: count('payments'), refunds: count('refunds'), audit: count('audit_log') };
    } finally {
      db.close();
    }
  };

  const withWriteLockHeld = async <T>(fn: () => Promise<T>): Promise<T> => {
    const other = new Database(gateway.databaseFile);
    other.prepare('BEGIN IMMEDIATE').run();
    try {
      return await fn();
    } finally {
      other.prepare('ROLLBACK').run();
      other.close();
    }
  };

  it('keeps answering /healthz and reads while a write waits for another process\'s lock, then completes the write', async () => {
    const patient = await startGateway({ DATABASE_BUSY_TIMEOUT_MS: '10000' });
    try {
      const { pidx } = await completed(patient);
      const other = new Database(patient.databaseFile);
      other.prepare('BEGIN IMMEDIATE').run();
      let released = false;
      let initiateDone = false;
      const initiating = patient.gql(INITIATE, { input: orderInput() }).then((result) => {
        initiateDone = true;
        return result;
      });
      try {
        // Answered while the initiate is still waiting for the lock (a busy handler would hold the
        // whole process until the lock went away or busy_timeout ran out).
        for (let i = 0; i < 5; i++) {
          const health = await request(`${patient.app.url}/healthz`);
          expect(health.statusCode).toBe(200);
          await health.body.dump();
          const read = await patient.gql(PAYMENT, { pidx });
          expect(read.data.payment).toMatchObject({ pidx, status: 'COMPLETED' });
        }
        expect(initiateDone).toBe(false);
      } finally {
        other.prepare('ROLLBACK').run();
        other.close();
        released = true;
      }
      const result = await initiating;
      expect(released).toBe(true);
      expect(result.data.initiatePayment.payment.status).toBe('INITIATED');
    } finally {
      await patient.close();
    }
  });

  it('refuses an initiate while another writer holds the database, before calling Khalti', async () => {
    const before = counts();
    const initiates = await upstreamRequests(gateway, 'initiate');
    const result = await withWriteLockHeld(() => gateway.gql(INITIATE, { input: orderInput() }));
    expect(result.errors?.[0]?.extensions?.code).toBe('STORAGE_UNAVAILABLE');
    expect(result.errors?.[0]?.message).toMatch(/database is busy; nothing was written/);
    expect(await upstreamRequests(gateway, 'initiate')).toBe(initiates);
    expect(counts()).toEqual(before);
    // And it recovers by itself once the lock is gone.
    expect((await gateway.gql(INITIATE, { input: orderInput() })).data.initiatePayment.payment.status).toBe('INITIATED');
  });

  it('refuses a refund while the database is busy, so no money moves', async () => {
    const { pidx } = await completed(gateway);
    const before = counts();
    const refunds = await upstreamRequests(gateway, 'refund');
    const result = await withWriteLockHeld(() => gateway.gql(REFUND, { input: { pidx, amount: 100 } }, ADMIN_KEY));
    expect(result.errors?.[0]?.message).toMatch(/database is busy/);
    expect(await upstreamRequests(gateway, 'refund')).toBe(refunds);
    expect(counts()).toEqual(before);
  });

  it('says the disk is full and writes a payment and its audit row together or not at all', async () => {
    const sqlite = sqliteOf(gateway.app.database);
    const pages = sqlite.pragma('page_count', { simple: true }) as number;
    sqlite.pragma(`max_page_count = ${pages}`);
    try {
      let failure: any;
      for (let attempt = 0; attempt < 300 && !failure; attempt += 1) {
        const before = counts();
        const result = await gateway.gql(INITIATE, { input: orderInput() });
        if (result.errors) {
          failure = result.errors[0];
          const after = counts();
          expect(after.payments).toBe(before.payments);
          const db = new Database(gateway.databaseFile, { readonly: true });
          try {
            // Every stored payment has its INITIATED row, and no INITIATED row lacks its payment.
            const orphans = db
              .prepare("SELECT count(*) AS n FROM audit_log a WHERE a.kind = 'status_change' AND a.operation = 'initiate' AND NOT EXISTS (SELECT 1 FROM payments p WHERE p.pidx = a.pidx)")
              .get() as { n: number };
            const missing = db
              .prepare("SELECT count(*) AS n FROM payments p WHERE NOT EXISTS (SELECT 1 FROM audit_log a WHERE a.pidx = p.pidx AND a.kind = 'status_change')")
              .get() as { n: number };
            expect([orphans.n, missing.n]).toEqual([0, 0]);
          } finally {
            db.close();
          }
        }
      }
      expect(failure?.extensions?.code).toBe('STORAGE_UNAVAILABLE');
      expect(failure?.message).toMatch(/out of space; nothing was written/);
    } finally {
      sqlite.pragma('max_page_count = 1073741823');
    }
    expect((await gateway.gql(INITIATE, { input: orderInput() })).data.initiatePayment.payment.status).toBe('INITIATED');
  });
});
