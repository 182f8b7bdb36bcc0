/**
 * The WebSocket cannot stall the process (issue 9 part 5), over real sockets:
 * - a socket flooding subscribe messages is closed with 4429 after its burst, and /healthz answers
 *   while the flood is still being sent;
 * - WS_MAX_CONNECTIONS: the socket over the cap is closed with 1013 while HTTP keeps answering,
 *   and once one closes a new one is accepted;
 * - one execution per distinct selection: N subscribers of one document get one execution of the
 *   event (resolver and middleware counted) and the same payload; a client key and an admin key
 *   with the same document still get what their role may see.
 */
import { request } from 'undici';
import * as actorContext from '../../src/payments/actor.context';
import { keyIdOf } from '../../src/graphql/api-keys';
import { PaymentStatusSubscriptionResolver } from '../../src/graphql/resolvers/payment-status.subscription';
import { ADMIN_KEY, CLIENT_KEY, SERVER_KEY, startGateway, type TestGateway } from '../support/gateway';
import { initiated } from '../support/payments';
import { openRawSocket, type RawSocket } from '../support/raw-socket';
import { watchResolvers } from '../support/resolver-spies';

async function open(gateway: TestGateway): Promise<RawSocket> {
  const opened = await openRawSocket(gateway.app.url);
  if (!opened.socket) throw new Error(`upgrade refused: ${opened.status}`);
  return opened.socket;
}

async function connect(gateway: TestGateway, key = CLIENT_KEY): Promise<RawSocket> {
  const socket = await open(gateway);
  socket.ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${key}` } }));
  await socket.frame((frame) => frame.type === 'connection_ack');
  return socket;
}

async function healthz(gateway: TestGateway): Promise<number> {
  const response = await request(`${gateway.app.url}/healthz`);
  await response.body.dump();
  return response.statusCode;
}

async function metricValue(gateway: TestGateway, name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = await gateway.app.metrics.registry.getSingleMetric(name)?.get();
  const sample = metric?.values.find((value) => Object.entries(labels).every(([label, wanted]) => value.labels[label] === wanted));
  return sample?.value ?? 0;
}

/** Polls (each turn of the event loop, no fixed delay) until `check` holds. */
async function until(check: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

const STATUS = 'subscription ($pidx: ID!) { paymentStatusChanged(pidx: $pidx) { status } }';

describe('WebSocket under load', () => {
  const sockets: RawSocket[] = [];
  afterEach(() => {
    sockets.splice(0).forEach((socket) => socket.ws.terminate());
  });
  const track = (socket: RawSocket) => {
    sockets.push(socket);
    return socket;
  };

  describe('per-socket message throttle', () => {
    let gateway: TestGateway;
    beforeAll(async () => {
      gateway = await startGateway();
    });
    afterAll(() => gateway.close());

    it('closes a socket sending 3,000 subscribe messages with 4429 after its burst; /healthz answers mid-flood; other sockets are served', async () => {
      const { pidx } = await initiated(gateway);
      const flooder = track(await connect(gateway));
      const watch = watchResolvers(gateway);
      const order: string[] = [];
      void flooder.closed.then(({ code }) => order.push(`closed ${code}`));
      const subscribe = (i: number) => flooder.ws.send(JSON.stringify({ id: `flood-${i}`, type: 'subscribe', payload: { query: STATUS, variables: { pidx } } }), () => undefined);
      let answered: number;
      try {
        for (let i = 0; i < 1500; i++) subscribe(i);
        order.push('first half sent');
        expect(await healthz(gateway)).toBe(200);
        order.push('healthz answered');
        for (let i = 1500; i < 3000; i++) subscribe(i);
        order.push('second half sent');
        expect(await flooder.closed).toEqual({ code: 4429, reason: 'Too many messages' });
        answered = watch.calls();
      } finally {
        watch.restore();
      }
      // /healthz was answered between the two halves of the flood.
      expect(order.indexOf('healthz answered')).toBe(order.indexOf('first half sent') + 1);
      // At most the burst (WS_MESSAGE_BURST, default 100, less the connection_init) ever reached graphql-ws.
      expect(answered).toBeLessThanOrEqual(100);
      expect(flooder.frames.filter((frame) => frame.id?.startsWith('flood-')).length).toBeLessThanOrEqual(100);
      expect(await metricValue(gateway, 'gateway_websocket_refusals_total', { reason: 'messages' })).toBe(1);
      expect(gateway.logs).toContain('websocket: over 50 messages a second (burst 100); socket closed (4429)');

      // A socket of its own has a bucket of its own.
      const other = track(await connect(gateway));
      other.ws.send(JSON.stringify({ id: 'other', type: 'subscribe', payload: { query: 'subscription { paymentStatusChanged(pidx: "NotOurs") { status } }' } }));
      expect(await other.frame((frame) => frame.id === 'other')).toMatchObject({ type: 'next', payload: { errors: [{ extensions: { code: 'BAD_USER_INPUT' } }] } });
    });
  });

  describe('WS_MAX_CONNECTIONS', () => {
    let gateway: TestGateway;
    beforeAll(async () => {
      gateway = await startGateway({ WS_MAX_CONNECTIONS: '3' });
    });
    afterAll(() => gateway.close());

    it('refuses the socket over the cap with 1013 while HTTP answers, and accepts one again after a close', async () => {
      const held = [track(await connect(gateway)), track(await connect(gateway)), track(await connect(gateway))];
      expect(await metricValue(gateway, 'gateway_websockets_open')).toBe(3);

      const fourth = track(await open(gateway));
      expect(await fourth.closed).toEqual({ code: 1013, reason: 'Try again later' });
      expect(fourth.frames).toEqual([]);
      expect(await metricValue(gateway, 'gateway_websocket_refusals_total', { reason: 'connections' })).toBe(1);

      expect(await healthz(gateway)).toBe(200);
      const query = await gateway.gql('{ checkoutConfig { environment } }');
      expect(query).toMatchObject({ status: 200, data: { checkoutConfig: { environment: 'embedded' } } });
      // The held sockets are still served.
      held[0]!.ws.send(JSON.stringify({ id: 'held', type: 'subscribe', payload: { query: 'subscription { paymentStatusChanged(pidx: "NotOurs") { status } }' } }));
      expect(await held[0]!.frame((frame) => frame.id === 'held')).toMatchObject({ type: 'next', payload: { errors: [{ extensions: { code: 'BAD_USER_INPUT' } }] } });

      held[1]!.ws.close();
      await held[1]!.closed;
      await until(async () => (await metricValue(gateway, 'gateway_websockets_open')) === 2, 'the server to see the close');
      const again = track(await connect(gateway));
      expect(again.frames).toEqual([{ type: 'connection_ack' }]);
      expect(await metricValue(gateway, 'gateway_websockets_open')).toBe(3);
    });
  });

  describe('one execution per distinct selection', () => {
    let gateway: TestGateway;
    beforeAll(async () => {
      gateway = await startGateway();
    });
    afterAll(() => gateway.close());

    it('N subscribers of one document: the event runs once and all get the same payload; a client key and an admin key each get what their role may see', async () => {
      const N = 5;
      const { pidx } = await initiated(gateway);
      const document = 'subscription ($pidx: ID!) { paymentStatusChanged(pidx: $pidx) { status payment { pidx paid refunds { id } } } }';
      const clients = await Promise.all(Array.from({ length: N }, async () => track(await connect(gateway))));
      const admin = track(await connect(gateway, ADMIN_KEY));
      // Variables in another key order make the same selection.
      const variables = (i: number) => (i % 2 ? { pidx } : JSON.parse(JSON.stringify({ pidx })));
      clients.forEach((socket, i) => socket.ws.send(JSON.stringify({ id: `c${i}`, type: 'subscribe', payload: { query: document, variables: variables(i) } })));
      admin.ws.send(JSON.stringify({ id: 'admin', type: 'subscribe', payload: { query: document, variables: { pidx } } }));
      await until(async () => (await metricValue(gateway, 'gateway_subscriptions_active')) === N + 1, 'every subscription to be running');

      const resolver = jest.spyOn(PaymentStatusSubscriptionResolver.prototype, 'paymentStatusChanged');
      const runAs = jest.spyOn(actorContext, 'runAs');
      try {
        await gateway.control('POST', `/payments/${pidx}/complete`, {});
        // Verified with the server key, so that every run of the middleware as the client key is the subscription's.
        await gateway.gql('mutation ($pidx: ID!) { verifyPayment(pidx: $pidx) { status } }', { pidx }, SERVER_KEY);
        const events = await Promise.all(clients.map((socket, i) => socket.frame((frame) => frame.id === `c${i}` && frame.type === 'next')));
        const adminEvent = await admin.frame((frame) => frame.id === 'admin' && frame.type === 'next');

        // One execution for the client keys' group, one for the admin's: not N + 1.
        expect(resolver).toHaveBeenCalledTimes(2);
        // The middleware ran on one execution's fields for the client key (at most the 6 fields selected; unshared it would be N times that), not N times over.
        const clientKeyRuns = runAs.mock.calls.filter(([actor]) => actor === keyIdOf(CLIENT_KEY)).length;
        expect(clientKeyRuns).toBeGreaterThan(0);
        expect(clientKeyRuns).toBeLessThanOrEqual(6);

        const payloads = events.map((event) => JSON.stringify(event.payload));
        expect(new Set(payloads).size).toBe(1);
        expect(events[0]!.payload).toMatchObject({
          data: { paymentStatusChanged: { status: 'COMPLETED', payment: { pidx, paid: true, refunds: null } } },
          errors: [{ path: ['paymentStatusChanged', 'payment', 'refunds'], extensions: { code: 'FORBIDDEN' } }],
          extensions: { cost: { estimated: expect.any(Number), limit: 5000 } },
        });
        expect(adminEvent.payload).toEqual({
          data: { paymentStatusChanged: { status: 'COMPLETED', payment: { pidx, paid: true, refunds: [] } } },
          extensions: { cost: { estimated: expect.any(Number), limit: 5000 } },
        });
        // The frames differ only in their id.
        clients.forEach((socket, i) => {
          const text = socket.texts.find((raw) => raw.includes(`"id":"c${i}"`))!;
          expect(text.replace(`"id":"c${i}"`, '"id":"?"')).toBe(clients[0]!.texts.find((raw) => raw.includes('"id":"c0"'))!.replace('"id":"c0"', '"id":"?"'));
        });
      } finally {
        resolver.mockRestore();
        runAs.mockRestore();
      }

      // One subscriber completing leaves the others subscribed; the last one out ends the shared subscription.
      clients[0]!.ws.send(JSON.stringify({ id: 'c0', type: 'complete' }));
      await until(async () => (await metricValue(gateway, 'gateway_subscriptions_active')) === N, 'the completed subscription to end');
    });
  });
});
