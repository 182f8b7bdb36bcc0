/**
 * Hardening of the WebSocket surface (graphql-ws on /graphql), over a real socket: allowed
 * origins at the upgrade, authentication in the connection handshake, the same limits and
 * validation as HTTP before any resolver runs, and the same message size limit.
 *
 * A small graphql-transport-ws client is written out here (rather than graphql-ws's) so the tests
 * see every frame and close code.
 */
import { ADMIN_KEY, CLIENT_KEY, startGateway, upstreamRequests, type TestGateway } from '../support/gateway';
import { orderInput } from '../support/operations';
import { initiated } from '../support/payments';
import { openRawSocket, type Frame, type Opened, type RawSocket } from '../support/raw-socket';
import { watchResolvers } from '../support/resolver-spies';

type Socket = RawSocket;

function open(gateway: TestGateway, options: { origin?: string } = {}): Promise<Opened> {
  return openRawSocket(gateway.app.url, options);
}

/** Opens a socket and completes the handshake with `key`. */
async function connect(gateway: TestGateway, key: string | null = CLIENT_KEY, origin?: string): Promise<Socket> {
  const opened = await open(gateway, { origin });
  if (!opened.socket) throw new Error(`upgrade refused: ${opened.status}`);
  opened.socket.send({ type: 'connection_init', payload: key ? { authorization: `Bearer ${key}` } : {} });
  await opened.socket.frame((frame) => frame.type === 'connection_ack');
  return opened.socket;
}

let nextId = 0;
/** Sends a subscribe frame and returns the first answer for it (next, error or complete). */
async function operation(socket: Socket, query: string, variables: Record<string, unknown> = {}): Promise<Frame> {
  const id = `op-${++nextId}`;
  socket.send({ id, type: 'subscribe', payload: { query, variables } });
  return socket.frame((frame) => frame.id === id && ['next', 'error', 'complete'].includes(frame.type));
}

const STATUS_CHANGED_DEEP = /* GraphQL */ `
  subscription ($pidx: ID!) {
    paymentStatusChanged(pidx: $pidx) { payment { a { b { c { d { e { f { g } } } } } } } }
  }
`;

describe('hardening: WebSocket', () => {
  let gateway: TestGateway;
  /** GRAPHQL_MAX_DEPTH=3 (valid subscriptions can exceed it) and tokens effectively unlimited. */
  let tight: TestGateway;
  /** PUBLIC_URL and WS_ALLOWED_ORIGINS set. */
  let origins: TestGateway;
  const sockets: Socket[] = [];
  beforeAll(async () => {
    [gateway, tight, origins] = await Promise.all([
      startGateway(),
      startGateway({ GRAPHQL_MAX_DEPTH: '3', GRAPHQL_MAX_TOKENS: '1000000' }),
      startGateway({ PUBLIC_URL: 'https://pay.example.com', WS_ALLOWED_ORIGINS: 'https://shop.example.com, http://localhost:3000' }),
    ]);
  });
  afterEach(() => {
    sockets.splice(0).forEach((socket) => socket.close());
  });
  afterAll(() => Promise.all([gateway.close(), tight.close(), origins.close()]));

  const track = (socket: Socket) => {
    sockets.push(socket);
    return socket;
  };

  describe('allowed origins', () => {
    it('refuses a browser page from another origin at the upgrade (403)', async () => {
      for (const origin of [
        'https://evil.example.net',
        'https://shop.example.com.evil.example.net',
        'http://shop.example.com',
        'https://pay.example.com:8443',
        'null',
      ]) {
        const opened = await open(origins, { origin });
        expect([origin, opened.status]).toEqual([origin, 403]);
      }
    });

    it("allows PUBLIC_URL's origin, WS_ALLOWED_ORIGINS, the gateway's own host, and clients that send no Origin", async () => {
      const ownHost = origins.app.url; // http://127.0.0.1:<port>, the Host the request is addressed to
      for (const origin of ['https://pay.example.com', 'https://shop.example.com', 'http://localhost:3000', ownHost, undefined]) {
        const socket = track(await connect(origins, CLIENT_KEY, origin));
        // The socket carries subscriptions; one for a pidx nobody initiated is answered at once.
        const answer = await operation(socket, 'subscription { paymentStatusChanged(pidx: "NotOurs") { status } }');
        expect([origin, JSON.stringify(answer.payload)]).toEqual([origin, expect.stringContaining('no payment with this pidx was initiated through this gateway')]);
      }
    });

    it('by default allows only the derived PUBLIC_URL origin and the same host', async () => {
      expect((await open(gateway, { origin: 'https://shop.example.com' })).status).toBe(403);
      const port = new URL(gateway.app.url).port;
      track(await connect(gateway, CLIENT_KEY, `http://localhost:${port}`));
      track(await connect(gateway, CLIENT_KEY, gateway.app.url));
    });
  });

  describe('authentication in the handshake', () => {
    it('closes sockets without a valid key with 4403, and refuses operations before the handshake (4401)', async () => {
      for (const payload of [{}, { authorization: 'Bearer wrong-key-0123456789abcdef' }, { authorization: CLIENT_KEY }]) {
        const { socket } = await open(gateway);
        socket!.send({ type: 'connection_init', payload });
        expect((await socket!.closed).code).toBe(4403);
        expect(socket!.frames).toEqual([]);
      }
      const { socket } = await open(gateway);
      const watch = watchResolvers(gateway);
      try {
        socket!.send({ id: '1', type: 'subscribe', payload: { query: '{ checkoutConfig { environment } }' } });
        expect((await socket!.closed).code).toBe(4401);
        expect(watch.calls()).toBe(0);
      } finally {
        watch.restore();
      }
    });
  });

  describe('the same limits and validation as HTTP, before any resolver', () => {
    it('refuses an over-deep subscription', async () => {
      const { pidx } = await initiated(gateway);
      const socket = track(await connect(gateway));
      const watch = watchResolvers(gateway);
      try {
        const answer = await operation(socket, STATUS_CHANGED_DEEP, { pidx });
        expect(answer).toMatchObject({ type: 'error', payload: [{ message: 'The operation is nested 9 levels deep; the limit is 8.', extensions: { code: 'BAD_USER_INPUT' } }] });
        expect(watch.calls()).toBe(0);
      } finally {
        watch.restore();
      }
    });

    it('refuses a valid subscription deeper than a configured limit, and serves one within it', async () => {
      const { pidx } = await initiated(tight);
      const socket = track(await connect(tight));
      const watch = watchResolvers(tight);
      try {
        const deep = await operation(socket, 'subscription ($pidx: ID!) { paymentStatusChanged(pidx: $pidx) { payment { refunds { id } } } }', { pidx });
        expect(deep).toMatchObject({ type: 'error', payload: [{ message: 'The operation is nested 4 levels deep; the limit is 3.', extensions: { code: 'BAD_USER_INPUT' } }] });
        expect(watch.calls()).toBe(0);
      } finally {
        watch.restore();
      }
      const id = 'within-limit';
      socket.send({ id, type: 'subscribe', payload: { query: 'subscription ($pidx: ID!) { paymentStatusChanged(pidx: $pidx) { status payment { paid } } }', variables: { pidx } } });
      await new Promise((resolve) => setTimeout(resolve, 100));
      await tight.control('POST', `/payments/${pidx}/complete`, {});
      await tight.gql('mutation ($pidx: ID!) { verifyPayment(pidx: $pidx) { status } }', { pidx });
      const event = await socket.frame((frame) => frame.id === id);
      expect(event).toMatchObject({ type: 'next', payload: { data: { paymentStatusChanged: { status: 'COMPLETED', payment: { paid: true } } } } });
    });

    it('a query of 500 aliased mutations runs zero resolvers over WebSocket too', async () => {
      const mutation = `mutation ($input: InitiatePaymentInput!) { ${Array.from({ length: 500 }, (_, i) => `a${i}: initiatePayment(input: $input) { paymentUrl }`).join(' ')} }`;
      for (const [target, messages] of [
        [gateway, ['The document has more than 2000 tokens, the limit; nothing was run.']],
        [tight, ['The operation uses 500 aliases; the limit is 15.', 'The operation selects 500 top-level fields; the limit is 10.']],
      ] as const) {
        const socket = track(await connect(target));
        const watch = watchResolvers(target);
        try {
          const answer = await operation(socket, mutation, { input: orderInput() });
          expect(answer.type).toBe('error');
          expect(answer.payload).toEqual(messages.map((message) => ({ message, extensions: { code: 'BAD_USER_INPUT' } })));
          expect(watch.calls()).toBe(0);
        } finally {
          watch.restore();
        }
      }
    });

    it('refuses an operation over the cost limit', async () => {
      const socket = track(await connect(gateway, ADMIN_KEY));
      const watch = watchResolvers(gateway);
      try {
        const answer = await operation(socket, 'query ($first: Int) { payments(first: $first) { edges { node { auditLog { id kind operation detail } refunds { id amount state } } } } }', { first: 100 });
        expect(answer.type).toBe('error');
        expect(answer.payload[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
        expect(answer.payload[0].message).toMatch(/estimated cost of \d+; the limit is 5000/);
        expect(watch.calls()).toBe(0);
      } finally {
        watch.restore();
      }
    });

    it('answers syntax and validation errors as BAD_USER_INPUT, not as internal errors', async () => {
      const socket = track(await connect(gateway));
      const syntax = await operation(socket, 'subscription { paymentStatusChanged(');
      expect(syntax).toMatchObject({ type: 'error', payload: [{ extensions: { code: 'BAD_USER_INPUT' } }] });
      expect(syntax.payload[0].message).toMatch(/^Syntax Error/);
      const unknown = await operation(socket, 'subscription { paymentStatusChanged(pidx: "x") { nope } }');
      expect(unknown).toMatchObject({ type: 'error', payload: [{ message: 'Cannot query field "nope" on type "PaymentStatusChange".', extensions: { code: 'BAD_USER_INPUT' } }] });
      const badVariable = await operation(socket, 'query ($first: Int) { banks(type: $first) { idx } }', { first: 1 });
      expect(badVariable.type).toBe('error');
      expect(badVariable.payload[0].extensions.code).toBe('BAD_USER_INPUT');
      const wrongType = await operation(socket, 'subscription ($pidx: ID!) { paymentStatusChanged(pidx: $pidx) { status } }', { pidx: { not: 'an id' } });
      expect(wrongType).toMatchObject({ type: 'next', payload: { errors: [{ extensions: { code: 'BAD_USER_INPUT' } }] } });
    });

    it('closes a socket whose message is over the 100 kB body limit (1009)', async () => {
      const socket = track(await connect(gateway));
      const watch = watchResolvers(gateway);
      try {
        socket.send({ id: 'big', type: 'subscribe', payload: { query: '{ checkoutConfig { environment } }', variables: { pad: 'x'.repeat(110 * 1024) } } });
        expect((await socket.closed).code).toBe(1009);
        expect(watch.calls()).toBe(0);
        expect(gateway.logs).toContain(`websocket: a message over ${100 * 1024} bytes; socket closed (1009)`);
      } finally {
        watch.restore();
      }
    });
  });
  describe('subscriptions only', () => {
    it('refuses a mutation over the WebSocket: nothing runs, nothing is written, Khalti is not called', async () => {
      const socket = track(await connect(gateway, ADMIN_KEY));
      const payments = (await gateway.app.services.queries.page({ first: 1 })).totalCount;
      const initiates = await upstreamRequests(gateway, 'initiate');
      const watch = watchResolvers(gateway);
      try {
        const answer = await operation(socket, 'mutation ($input: InitiatePaymentInput!) { initiatePayment(input: $input) { paymentUrl } }', { input: orderInput() });
        expect(answer).toEqual({
          id: answer.id,
          type: 'error',
          payload: [{ message: 'The WebSocket carries subscriptions only; send this mutation over HTTP POST to /graphql. Nothing was run.', extensions: { code: 'BAD_USER_INPUT' } }],
        });
        expect(watch.calls()).toBe(0);
      } finally {
        watch.restore();
      }
      expect((await gateway.app.services.queries.page({ first: 1 })).totalCount).toBe(payments);
      expect(await upstreamRequests(gateway, 'initiate')).toBe(initiates);
    });

    it('refuses queries too (also one of several operations chosen by name), and still serves subscriptions on the same socket', async () => {
      const { pidx } = await initiated(gateway);
      const socket = track(await connect(gateway));
      const watch = watchResolvers(gateway);
      try {
        const query = await operation(socket, '{ checkoutConfig { environment } }');
        expect(query).toMatchObject({ type: 'error', payload: [{ message: 'The WebSocket carries subscriptions only; send this query over HTTP POST to /graphql. Nothing was run.' }] });
        const named = await operation(socket, 'subscription S { paymentStatusChanged(pidx: "x") { status } } mutation M { verifyPayment(pidx: "x") { status } }');
        expect(named.type).toBe('error'); // no operationName: graphql-ws cannot choose, refused by the guard
        const id = 'by-name';
        socket.send({ id, type: 'subscribe', payload: { query: `mutation M { verifyPayment(pidx: "${pidx}") { status } } subscription S { paymentStatusChanged(pidx: "${pidx}") { status } }`, operationName: 'M' } });
        expect(await socket.frame((frame) => frame.id === id)).toMatchObject({ type: 'error', payload: [{ message: expect.stringContaining('send this mutation over HTTP POST') }] });
        expect(watch.calls()).toBe(0);
      } finally {
        watch.restore();
      }
      const id = 'still-served';
      socket.send({ id, type: 'subscribe', payload: { query: 'subscription ($pidx: ID!) { paymentStatusChanged(pidx: $pidx) { status } }', variables: { pidx } } });
      await new Promise((resolve) => setTimeout(resolve, 100));
      await gateway.control('POST', `/payments/${pidx}/complete`, {});
      await gateway.gql('mutation ($pidx: ID!) { verifyPayment(pidx: $pidx) { status } }', { pidx });
      expect(await socket.frame((frame) => frame.id === id)).toMatchObject({ type: 'next', payload: { data: { paymentStatusChanged: { status: 'COMPLETED' } } } });
    });
  });

});
