/**
 * Khalti failing: a clear top-level error, an audit row, no state change, no leaked body or key,
 * and the gateway keeps serving and recovers by itself.
 */
import { createServer, type AddressInfo } from 'node:net';
import { EMULATOR_DEFAULT_SECRET_KEY } from '../../src/sandbox/emulator.defaults';
import { EMULATOR_KEY, startEmulator } from '../support/emulator';
import { ADMIN_KEY, CLIENT_KEY, SERVER_KEY, startGateway, type TestGateway } from '../support/gateway';
import { AUDIT_LOG, INITIATE, PAYMENT, VERIFY, orderInput } from '../support/operations';
import { initiated, paymentCount } from '../support/payments';

describe('Khalti failing', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startGateway();
  });
  afterAll(() => gateway.close());
  afterEach(() => gateway.control('DELETE', '/faults'));

  const lastUpstreamRow = async (operation: string) => {
    const audit = await gateway.gql(AUDIT_LOG, { first: 50 }, ADMIN_KEY);
    return audit.data.auditLog.edges.map((edge: any) => edge.node).find((row: any) => row.kind === 'upstream' && row.operation === operation);
  };

  it.each([
    ['a 500', { kind: 'status', status: 500 }],
    ['an HTML 502 page', { kind: 'html' }],
    ['a connection reset', { kind: 'reset' }],
    ['malformed JSON', { kind: 'malformed' }],
    ['truncated JSON', { kind: 'truncated' }],
    ['no answer within the timeout', { kind: 'latency', ms: 4000 }],
    ['a body that trickles in past the timeout', { kind: 'slow-body', ms: 4000 }],
  ])('initiate meeting %s: UPSTREAM_UNAVAILABLE, an audit row, nothing stored', async (_name, fault) => {
    const payments = await paymentCount(gateway);
    await gateway.control('POST', '/faults', { route: 'initiate', ...fault });
    const result = await gateway.gql(INITIATE, { input: orderInput() });
    expect(result.errors?.[0]?.extensions?.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(result.errors?.[0]?.message).toMatch(/Khalti is unavailable/);
    expect(JSON.stringify(result)).not.toMatch(/<html|<!doctype/i);
    expect(await paymentCount(gateway)).toBe(payments);
    const row = await lastUpstreamRow('initiate');
    expect(JSON.parse(row.detail).error).toEqual(expect.objectContaining({ name: 'KhaltiUnavailableError' }));
  });

  it('verify meeting a 5xx leaves the payment as it was, and recovers once Khalti is back', async () => {
    const { pidx } = await initiated(gateway);
    await gateway.control('POST', `/payments/${pidx}/complete`, {});
    await gateway.control('POST', '/faults', { route: 'lookup', kind: 'status', status: 503, count: 10 });
    const failed = await gateway.gql(VERIFY, { pidx });
    expect(failed.errors?.[0]?.extensions?.code).toBe('UPSTREAM_UNAVAILABLE');
    expect((await gateway.app.services.state.get(pidx))?.status).toBe('INITIATED');
    // A read while Khalti is down returns what is stored rather than failing.
    const read = await gateway.gql(PAYMENT, { pidx });
    expect(read.data.payment).toMatchObject({ status: 'INITIATED', paid: false });
    // Other requests are still served meanwhile.
    expect((await gateway.gql('{ checkoutConfig { environment } }', {})).data.checkoutConfig.environment).toBe('embedded');

    await gateway.control('DELETE', '/faults');
    const recovered = await gateway.gql(VERIFY, { pidx });
    expect(recovered.data.verifyPayment).toMatchObject({ status: 'COMPLETED', paid: true });
  });

  it('a read of a payment Khalti no longer finds returns the stored record; verify says Khalti does not know it', async () => {
    const { pidx } = await initiated(gateway);
    await gateway.control('POST', '/faults', { route: 'lookup', kind: 'status', status: 404, body: { detail: 'Not found.', error_key: 'validation_error' }, count: 10 });
    const read = await gateway.gql(PAYMENT, { pidx });
    expect(read.errors).toBeUndefined();
    expect(read.data.payment).toMatchObject({ pidx, status: 'INITIATED', paid: false });
    const verified = await gateway.gql(VERIFY, { pidx });
    expect(verified.errors?.[0]?.extensions?.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(verified.errors?.[0]?.message).toMatch(/Khalti does not know this payment/);
    expect((await gateway.app.services.state.get(pidx))?.status).toBe('INITIATED');
  });

  it('UPSTREAM_AUTH when Khalti rejects the secret key, which appears nowhere', async () => {
    const wrongKey = 'live_secret_key_wrong_0000000000';
    const other = await startGateway({ KHALTI_ENV: 'sandbox', KHALTI_BASE_URL: `${gateway.app.url}/sandbox`, KHALTI_SECRET_KEY: wrongKey });
    try {
      const result = await other.gql(INITIATE, { input: orderInput() }, SERVER_KEY);
      expect(result.errors?.[0]?.extensions?.code).toBe('UPSTREAM_AUTH');
      const audit = await other.gql(AUDIT_LOG, { first: 10 }, ADMIN_KEY);
      const text = JSON.stringify([result, audit, other.logs]);
      expect(text).toContain('Invalid token.');
      expect(text).not.toContain(wrongKey);
      expect(text).not.toContain(EMULATOR_DEFAULT_SECRET_KEY);
      expect(audit.data.auditLog.edges[0].node).toMatchObject({ kind: 'upstream', operation: 'initiate', httpStatus: 401 });
    } finally {
      await other.close();
    }
  });

  it('UPSTREAM_UNAVAILABLE when nothing listens where Khalti should be', async () => {
    const other = await startGateway({ KHALTI_ENV: 'sandbox', KHALTI_BASE_URL: 'http://127.0.0.1:9', KHALTI_SECRET_KEY: 'k-0000000000000000' });
    try {
      const result = await other.gql('query { banks(type: EBANKING) { idx } }', {}, CLIENT_KEY);
      expect(result.errors?.[0]?.extensions?.code).toBe('UPSTREAM_UNAVAILABLE');
    } finally {
      await other.close();
    }
  });

  it('starts while Khalti is down, serves what needs no Khalti, and recovers alone when it comes back', async () => {
    const port = await freePort();
    const other = await startGateway({ KHALTI_ENV: 'sandbox', KHALTI_BASE_URL: `http://127.0.0.1:${port}`, KHALTI_SECRET_KEY: EMULATOR_KEY });
    try {
      const down = await other.gql(INITIATE, { input: orderInput() }, SERVER_KEY);
      expect(down.errors?.[0]?.extensions?.code).toBe('UPSTREAM_UNAVAILABLE');
      expect((await other.gql('{ checkoutConfig { environment } }', {}, CLIENT_KEY)).data.checkoutConfig.environment).toBe('sandbox');

      const khalti = await startEmulator(port);
      try {
        const up = await other.gql(INITIATE, { input: orderInput() }, SERVER_KEY);
        expect(up.data.initiatePayment.payment.status).toBe('INITIATED');
      } finally {
        await khalti.close();
      }
    } finally {
      await other.close();
    }
  });
});

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}
