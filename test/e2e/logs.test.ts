/**
 * The gateway's own log sink (pino, JSON lines) over real HTTP: the fields, LOG_LEVEL, an access
 * line per request without the query string, stacks for internal errors, and a line for each
 * failure the services used to swallow, each amount mismatch, unknown status and UNKNOWN refund.
 */
import { request } from 'undici';
import { EMULATOR_DEFAULT_SECRET_KEY } from '../../src/sandbox/emulator.defaults';
import { ADMIN_KEY, CLIENT_KEY, SERVER_KEY, startGateway, type TestGateway } from '../support/gateway';
import { REFUND, VERIFY } from '../support/operations';
import { completed, initiated } from '../support/payments';

interface Line {
  time: string;
  level: string;
  msg: string;
  reqId?: string;
  keyId?: string;
  pidx?: string;
  [field: string]: unknown;
}

/** A gateway whose default log (the one main.ts uses) writes into `raw`, at LOG_LEVEL from env. */
async function loggingGateway(env: Record<string, string> = {}): Promise<{ gateway: TestGateway; raw: string[]; lines(): Line[] }> {
  const raw: string[] = [];
  const destination = { write: (chunk: string) => void raw.push(...chunk.split('\n').filter((line) => line !== '')) };
  const gateway = await startGateway(env, { log: undefined, logDestination: destination });
  return { gateway, raw, lines: () => raw.map((line) => JSON.parse(line) as Line) };
}

describe('JSON logs', () => {
  let gateway: TestGateway;
  let raw: string[];
  let lines: () => Line[];
  beforeAll(async () => {
    ({ gateway, raw, lines } = await loggingGateway());
  });
  afterAll(() => gateway.close());
  afterEach(() => gateway.control('DELETE', '/faults'));

  it('writes one JSON object per line with time, level and msg, and no key or personal data', async () => {
    const { pidx } = await initiated(gateway);
    await gateway.control('POST', `/payments/${pidx}/complete`, {});
    await gateway.gql(VERIFY, { pidx });
    expect(raw.length).toBeGreaterThan(0);
    for (const line of lines()) {
      expect(typeof line.msg).toBe('string');
      expect(['debug', 'info', 'warn', 'error']).toContain(line.level);
      expect(new Date(line.time).toISOString()).toBe(line.time);
    }
    const text = raw.join('\n');
    for (const secret of [EMULATOR_DEFAULT_SECRET_KEY, ADMIN_KEY, CLIENT_KEY, SERVER_KEY, 'buyer@example.com', '9800000123', 'Khalti Bahadur']) expect(text).not.toContain(secret);
  });

  it('writes an access line per request with reqId and keyId, and never the query string', async () => {
    const { pidx } = await initiated(gateway);
    const before = raw.length;
    const answer = await request(`${gateway.app.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${CLIENT_KEY}` },
      body: JSON.stringify({ query: '{ checkoutConfig { environment } }' }),
    });
    await answer.body.text();
    const returned = await request(`${gateway.app.url}/khalti/return?pidx=${pidx}&mobile=98XXXXX123&purchase_order_name=secret-order-name&status=Completed`);
    await returned.body.text();
    const added = lines().slice(before);
    const access = added.filter((line) => line.msg === 'request');
    expect(access).toHaveLength(2);
    expect(access[0]).toMatchObject({ level: 'info', method: 'POST', path: '/graphql', status: 200, reqId: answer.headers['x-request-id'], keyId: expect.stringMatching(/^key_/) });
    expect(typeof access[0]!.durationMs).toBe('number');
    expect(access[1]).toMatchObject({ method: 'GET', path: '/khalti/return', status: 302, reqId: returned.headers['x-request-id'] });
    expect(access[1]!.keyId).toBeUndefined();
    expect(access[0]!.reqId).not.toBe(access[1]!.reqId);
    const text = raw.slice(before).join('\n');
    expect(text).not.toContain('98XXXXX123');
    expect(text).not.toContain('secret-order-name');
  });

  it('logs an internal error at error level with its stack and the id the caller was given', async () => {
    const { pidx } = await initiated(gateway);
    const original = gateway.app.services.state.refresh;
    gateway.app.services.state.refresh = () => Promise.reject(new Error('database exploded'));
    try {
      const result = await gateway.gql(VERIFY, { pidx });
      const errorId = result.errors![0]!.extensions!.errorId as string;
      const line = lines().find((entry) => entry.errorId === errorId)!;
      expect(line).toMatchObject({ level: 'error', msg: expect.stringContaining('database exploded') });
      expect((line.err as { stack: string }).stack).toMatch(/Error: database exploded\n\s+at /);
      expect(line.reqId).toEqual(expect.any(String));
    } finally {
      gateway.app.services.state.refresh = original;
    }
  });

  it('logs the lookup after a refund that used to fail silently, with its pidx', async () => {
    const { pidx } = await completed(gateway);
    await gateway.control('POST', '/faults', { route: 'lookup', kind: 'status', status: 503, count: 10 });
    const result = await gateway.gql(REFUND, { input: { pidx, amount: 100 } }, ADMIN_KEY);
    expect(result.data.refund.refund.state).toBe('SUCCEEDED');
    expect(lines()).toContainEqual(expect.objectContaining({ level: 'warn', pidx, msg: expect.stringMatching(/lookup after the refund of .* failed/) }));
  });

  it('logs a refund left UNKNOWN, an amount mismatch and a status the gateway does not know', async () => {
    const lost = await completed(gateway);
    await gateway.control('POST', '/faults', { route: 'refund', kind: 'reset', phase: 'before' });
    const refunded = await gateway.gql(REFUND, { input: { pidx: lost.pidx, amount: 300 } }, ADMIN_KEY);
    expect(refunded.data.refund.refund.state).toBe('UNKNOWN');
    expect(lines()).toContainEqual(expect.objectContaining({ level: 'warn', pidx: lost.pidx, refundId: refunded.data.refund.refund.id, msg: expect.stringContaining('UNKNOWN') }));

    const short = await initiated(gateway);
    await gateway.control('POST', `/payments/${short.pidx}/complete`, {});
    await gateway.control('POST', `/payments/${short.pidx}/lookup-override`, { total_amount: 999 });
    await gateway.gql(VERIFY, { pidx: short.pidx });
    expect(lines()).toContainEqual(expect.objectContaining({ level: 'warn', pidx: short.pidx, msg: expect.stringContaining('amount mismatch') }));

    const odd = await initiated(gateway);
    await gateway.control('POST', `/payments/${odd.pidx}/lookup-override`, { status: 'On Hold' });
    expect((await gateway.gql(VERIFY, { pidx: odd.pidx })).data.verifyPayment.status).toBe('UNKNOWN');
    expect(lines()).toContainEqual(expect.objectContaining({ level: 'warn', pidx: odd.pidx, msg: expect.stringContaining('"On Hold"') }));
  });
});

describe('LOG_LEVEL=warn', () => {
  it('drops info lines (access lines included) and keeps warnings', async () => {
    const { gateway, lines } = await loggingGateway({ LOG_LEVEL: 'warn' });
    try {
      const { pidx } = await completed(gateway);
      await gateway.control('POST', '/faults', { route: 'refund', kind: 'reset', phase: 'before' });
      await gateway.gql(REFUND, { input: { pidx, amount: 300 } }, ADMIN_KEY);
      const all = lines();
      expect(all.filter((line) => line.level === 'info' || line.level === 'debug')).toEqual([]);
      expect(all).toContainEqual(expect.objectContaining({ level: 'warn', pidx, msg: expect.stringContaining('UNKNOWN') }));
    } finally {
      await gateway.close();
    }
  });
});
