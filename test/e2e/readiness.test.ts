/**
 * /readyz as a load balancer sees it, over HTTP: ready while the database takes writes; 503 with
 * a reason while another connection holds the SQLite write lock (answered while it is still held);
 * 503 as soon as shutdown begins while a request in flight still gets its answer.
 */
import Database from 'better-sqlite3';
import { request } from 'undici';
import { startGateway, type TestGateway } from '../support/gateway';
import { EMULATOR_KEY, startEmulator, type RunningEmulator } from '../support/emulator';
import { startGatedKhalti, type GatedKhalti } from '../support/gated-khalti';
import { LOCKED_ANSWER_REUSE_MS } from '../../src/http/health.routes';
import { itOnSqlite } from '../support/engine';

async function get(gateway: TestGateway, path: string): Promise<{ status: number; body: any; connection?: string }> {
  const response = await request(`${gateway.app.url}${path}`);
  return { status: response.statusCode, body: await response.body.json(), connection: response.headers.connection as string | undefined };
}

describe('readiness', () => {
  let emulator: RunningEmulator;
  let gate: GatedKhalti;
  beforeAll(async () => {
    emulator = await startEmulator();
    gate = await startGatedKhalti(emulator.url);
  });
  afterAll(async () => {
    await gate.close();
    await emulator.close();
  });

  describe('the database', () => {
    let gateway: TestGateway;
    // The gateway's clock, moved by hand: a "locked" answer is reused for a second.
    let clock = Date.parse('2026-01-01T00:00:00Z');
    beforeAll(async () => {
      gateway = await startGateway({}, { now: () => new Date(clock) });
    });
    afterAll(() => gateway.close());

    it('is ready while the database accepts writes', async () => {
      expect(await get(gateway, '/readyz')).toMatchObject({ status: 200, body: { status: 'ready' } });
    });

    itOnSqlite('answers 503 naming the lock while another connection holds it, and ready once it is let go', async () => {
      const other = new Database(gateway.databaseFile);
      other.exec('BEGIN IMMEDIATE');
      try {
        const answer = await get(gateway, '/readyz');
        // Answered while the lock is still held: the probe gave up rather than waiting it out.
        expect(other.inTransaction).toBe(true);
        expect(answer).toMatchObject({
          status: 503,
          body: { status: 'unavailable', reason: 'database_locked', message: 'another connection holds the database write lock (SQLITE_BUSY)' },
        });
        // Liveness is not readiness: the process is fine.
        expect(await get(gateway, '/healthz')).toMatchObject({ status: 200, body: { status: 'ok' } });
      } finally {
        other.exec('ROLLBACK');
        other.close();
      }
      // Within the second the locked answer is reused (no second wait for the lock); then probed again.
      expect(await get(gateway, '/readyz')).toMatchObject({ status: 503, body: { reason: 'database_locked' } });
      clock += LOCKED_ANSWER_REUSE_MS;
      expect(await get(gateway, '/readyz')).toMatchObject({ status: 200, body: { status: 'ready' } });
    });
  });

  it('answers 503 once shutdown begins while the request in flight still gets its answer', async () => {
    const gateway = await startGateway({ KHALTI_ENV: 'sandbox', KHALTI_BASE_URL: gate.url, KHALTI_SECRET_KEY: EMULATOR_KEY });
    try {
      const held = gate.hold('/api/v5/bank/');
      const inFlight = gateway.gql('{ banks(type: EBANKING) { idx } }');
      await held.arrived;

      gateway.app.beginShutdown();
      const ready = await get(gateway, '/readyz');
      expect(ready).toMatchObject({ status: 503, body: { status: 'unavailable', reason: 'shutting_down' } });
      // Clients are asked to take their next request elsewhere.
      expect(ready.connection).toBe('close');
      expect(await get(gateway, '/healthz')).toMatchObject({ status: 200 });

      const closed = gateway.app.close();
      held.release();
      const answer = await inFlight;
      expect(answer.errors).toBeUndefined();
      expect(answer.data.banks.length).toBeGreaterThan(0);
      await closed;
      expect(gateway.app.server.listening).toBe(false);
    } finally {
      await gateway.close();
    }
  });

  it('cuts a request still in flight once SHUTDOWN_GRACE_MS has passed, and says so', async () => {
    const gateway = await startGateway({ KHALTI_ENV: 'sandbox', KHALTI_BASE_URL: gate.url, KHALTI_SECRET_KEY: EMULATOR_KEY, SHUTDOWN_GRACE_MS: '0' });
    const held = gate.hold('/api/v5/bank/');
    try {
      const inFlight = gateway.gql('{ banks(type: EBANKING) { idx } }').then(
        () => 'answered',
        () => 'cut',
      );
      await held.arrived;
      await gateway.app.close();
      expect(await inFlight).toBe('cut');
      expect(gateway.logs).toContain('shutdown: 1 request(s) still in flight after SHUTDOWN_GRACE_MS (0 ms); closing their connections');
    } finally {
      held.release();
      await gateway.close();
    }
  });
});
