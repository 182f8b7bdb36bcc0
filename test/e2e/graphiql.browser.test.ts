/**
 * GraphiQL in a real headless Chromium: the page boots under its CSP, introspects a small schema
 * over HTTP, runs a mutation with the key from the headers editor, and runs a subscription over
 * graphql-ws whose connectionParams carry that same key as `authorization`.
 *
 * Needs /usr/bin/chromium (Debian: `apt-get install -y chromium`); without it the suite is skipped.
 */
import { existsSync } from 'node:fs';
import type { IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { buildSchema, graphql } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { chromium, type Browser, type Page } from 'playwright-core';
import { WebSocketServer } from 'ws';
import { DEFAULT_HEADERS } from '../../src/http/graphiql/graphiql.client';
import { graphiqlRouter } from '../../src/http/graphiql/graphiql.router';

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOT = '/tmp/graphiql.png';
const KEY = 'gw_test_key_5c1d0e7a';

/** The tests run no DOM lib; these are the few browser globals the page functions below touch. */
interface CodeMirrorHost {
  CodeMirror: { setValue(value: string): void; getValue(): string };
}
declare const document: {
  querySelector(selector: string): (CodeMirrorHost & { textContent: string | null }) | null;
  querySelectorAll(selector: string): ArrayLike<{ nonce?: string; textContent: string | null }>;
};
declare const window: { __cspViolations: string[]; addEventListener(type: string, listener: (event: any) => void): void };

const schema = buildSchema(`
  type CheckoutConfig { environment: String!  publicKey: String }
  type Payment { pidx: ID!  status: String!  amount: Int!  expiresAt: String!  paid: Boolean!  totalAmount: Int  transactionId: String }
  type UserError { field: [String!]  message: String!  code: String! }
  input InitiatePaymentInput { returnUrl: String!  websiteUrl: String!  amount: Int!  purchaseOrderId: String!  purchaseOrderName: String! }
  type InitiatePaymentPayload { payment: Payment  paymentUrl: String  userErrors: [UserError!]! }
  type PaymentStatusChange { pidx: ID!  previousStatus: String  status: String!  source: String!  occurredAt: String!  payment: Payment! }
  type Query { checkoutConfig: CheckoutConfig! }
  type Mutation { initiatePayment(input: InitiatePaymentInput!): InitiatePaymentPayload! }
  type Subscription { paymentStatusChanged(pidx: ID!): PaymentStatusChange! }
`);

function payment(pidx: string, status: string) {
  return { pidx, status, amount: 10000, expiresAt: '2030-01-01T00:00:00Z', paid: status === 'COMPLETED', totalAmount: 10000, transactionId: 'TXN1' };
}

const rootValue = {
  checkoutConfig: () => ({ environment: 'embedded', publicKey: null }),
  initiatePayment: ({ input }: { input: { purchaseOrderId: string } }) => ({
    payment: payment(`pidx-${input.purchaseOrderId}`, 'INITIATED'),
    paymentUrl: 'http://127.0.0.1/sandbox/pay',
    userErrors: [],
  }),
};

const subscriptionRoot = {
  async *paymentStatusChanged({ pidx }: { pidx: string }) {
    const event = {
      paymentStatusChanged: {
        pidx,
        previousStatus: 'INITIATED',
        status: 'COMPLETED',
        source: 'LOOKUP',
        occurredAt: '2030-01-01T00:00:00Z',
        payment: payment(pidx, 'COMPLETED'),
      },
    };
    yield event;
    // 'pidx-open' stays open after its first event, until the client stops it.
    if (pidx === 'pidx-open') await new Promise(() => {});
  },
};

const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) {
  console.warn(`GraphiQL browser test skipped: ${CHROMIUM} is missing (Debian: apt-get install -y chromium).`);
}
/** Polls until `probe` satisfies `done`, returning its last value (jest has no expect.poll). */
async function waitFor<T>(probe: () => Promise<T> | T, done: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const describeWithChromium = haveChromium ? describe : describe.skip;

describeWithChromium('GraphiQL in headless Chromium', () => {
  let server: Server;
  let wsServer: WebSocketServer;
  let origin: string;
  let browser: Browser;
  let page: Page;
  const httpRequests: { operationName: string | null; query: string; headers: IncomingHttpHeaders }[] = [];
  const wsConnections: Record<string, unknown>[] = [];
  let openSockets = 0;
  const consoleErrors: string[] = [];
  const failedResponses: string[] = [];

  beforeAll(async () => {
    const app = express();
    app.use(graphiqlRouter({ endpointPath: '/graphql' }));
    app.post('/graphql', express.json(), async (req, res) => {
      const body = req.body as { query: string; operationName?: string | null; variables?: Record<string, unknown> | null };
      httpRequests.push({ operationName: body.operationName ?? null, query: body.query, headers: req.headers });
      res.json(await graphql({ schema, source: body.query, rootValue, variableValues: body.variables ?? null, operationName: body.operationName ?? null }));
    });
    server = app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    wsServer = new WebSocketServer({ server, path: '/graphql' });
    wsServer.on('connection', (socket) => {
      openSockets += 1;
      socket.on('close', () => (openSockets -= 1));
    });
    useServer(
      {
        schema,
        roots: { subscription: subscriptionRoot },
        onConnect: (ctx) => {
          wsConnections.push({ ...(ctx.connectionParams ?? {}) });
          return ctx.connectionParams?.['authorization'] === `Bearer ${KEY}`;
        },
      },
      wsServer,
    );

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') consoleErrors.push(`${message.type()}: ${message.text()}`);
    });
    page.on('pageerror', (error) => consoleErrors.push(`pageerror: ${error.message}`));
    page.on('response', (response) => {
      if (response.status() >= 400) failedResponses.push(`${response.status()} ${response.url()}`);
    });
    page.on('requestfailed', (request) => failedResponses.push(`failed ${request.url()}: ${request.failure()?.errorText ?? ''}`));
    // CDP-injected, so the page's CSP does not apply to it; it records every violation.
    await page.addInitScript(() => {
      window.__cspViolations = [];
      window.addEventListener('securitypolicyviolation', (event: { violatedDirective: string; blockedURI: string; sourceFile: string }) => {
        window.__cspViolations.push(`${event.violatedDirective} blocked ${event.blockedURI || '(inline)'} from ${event.sourceFile}`);
      });
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((resolve) => wsServer?.close(() => resolve()));
    server?.closeAllConnections();
    await new Promise<void>((resolve) => server?.close(() => resolve()));
  });

  async function editorValue(selector: string): Promise<string> {
    return page.evaluate((sel) => document.querySelector(sel)!.CodeMirror.getValue(), selector);
  }
  async function setEditorValue(selector: string, value: string): Promise<void> {
    await page.evaluate(([sel, v]) => document.querySelector(sel!)!.CodeMirror.setValue(v!), [selector, value]);
    // GraphiQL digests edits (operation names, which operation the run button runs) after a debounce.
    await page.waitForTimeout(750);
  }
  async function resultText(): Promise<string> {
    return editorValue('.graphiql-response .CodeMirror');
  }
  async function cspViolations(): Promise<string[]> {
    return page.evaluate(() => window.__cspViolations);
  }

  const QUERY_EDITOR = '.graphiql-query-editor .CodeMirror';
  const HEADERS_EDITOR = 'section.graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror';

  it('boots: the editor renders, prefilled, and the schema is introspected over HTTP', async () => {
    const navigation = await page.goto(`${origin}/graphql`);
    expect(navigation?.status()).toBe(200);
    expect(navigation?.headers()['content-security-policy']).toContain("script-src 'self'");
    await page.waitForSelector('.graphiql-container', { timeout: 20_000 });
    await page.waitForSelector(QUERY_EDITOR, { timeout: 20_000 });

    expect(await editorValue(QUERY_EDITOR)).toContain('initiatePayment(');
    expect(await editorValue(HEADERS_EDITOR)).toBe(DEFAULT_HEADERS);

    await waitFor(() => httpRequests.some((r) => r.operationName === 'IntrospectionQuery'), Boolean);
    const introspection = httpRequests.find((r) => r.operationName === 'IntrospectionQuery')!;
    expect(introspection.headers['authorization']).toBe('Bearer <paste your API key>');
    expect(introspection.headers['content-type']).toMatch(/^application\/json/);
  }, 60_000);

  it('runs a mutation over HTTP with the key from the headers editor', async () => {
    await setEditorValue(HEADERS_EDITOR, JSON.stringify({ Authorization: `Bearer ${KEY}` }, null, 2));
    await setEditorValue(
      QUERY_EDITOR,
      `mutation InitiatePayment {
  initiatePayment(input: { returnUrl: "http://shop.test/done", websiteUrl: "http://shop.test", amount: 10000, purchaseOrderId: "order-7", purchaseOrderName: "Order 7" }) {
    paymentUrl
    payment { pidx status amount }
    userErrors { message }
  }
}`,
    );
    await page.click('.graphiql-execute-button');
    expect(await waitFor(resultText, (text) => text.includes('pidx-order-7'))).toContain('pidx-order-7');
    const mutation = httpRequests.find((r) => r.query.includes('initiatePayment('))!;
    expect(mutation.headers['authorization']).toBe(`Bearer ${KEY}`);
    expect(JSON.parse(await resultText())).toEqual({
      data: { initiatePayment: { paymentUrl: 'http://127.0.0.1/sandbox/pay', payment: { pidx: 'pidx-order-7', status: 'INITIATED', amount: 10000 }, userErrors: [] } },
    });
    expect(wsConnections).toEqual([]);
  }, 60_000);

  it('runs a subscription over graphql-ws with connectionParams.authorization from the headers editor', async () => {
    await setEditorValue(
      QUERY_EDITOR,
      `subscription PaymentStatusChanged {
  paymentStatusChanged(pidx: "pidx-order-7") {
    pidx
    previousStatus
    status
    payment { paid }
  }
}`,
    );
    await page.click('.graphiql-execute-button');
    expect(await waitFor(resultText, (text) => text.includes('COMPLETED'))).toContain('COMPLETED');
    expect(wsConnections).toEqual([{ authorization: `Bearer ${KEY}` }]);
    expect(JSON.parse(await resultText())).toEqual({
      data: { paymentStatusChanged: { pidx: 'pidx-order-7', previousStatus: 'INITIATED', status: 'COMPLETED', payment: { paid: true } } },
    });
  }, 60_000);

  it('stops a running subscription with the stop button, closing its socket', async () => {
    expect(await waitFor(() => openSockets, (n) => n === 0)).toBe(0); // the finished one closed itself
    await setEditorValue(QUERY_EDITOR, 'subscription Open {\n  paymentStatusChanged(pidx: "pidx-open") {\n    pidx\n    status\n  }\n}');
    await page.click('.graphiql-execute-button');
    expect(await waitFor(resultText, (text) => text.includes('pidx-open'))).toContain('"status": "COMPLETED"');
    expect(openSockets).toBe(1);
    await page.click('.graphiql-execute-button'); // now the stop button
    expect(await waitFor(() => openSockets, (n) => n === 0, 5_000)).toBe(0);
    expect(wsConnections.at(-1)).toEqual({ authorization: `Bearer ${KEY}` });
  }, 60_000);

  it('opens the docs explorer and the settings dialog without CSP violations', async () => {
    await page.click('button[aria-label="Show Documentation Explorer"]');
    await page.waitForSelector('.graphiql-doc-explorer', { timeout: 10_000 });
    await page.getByText('Mutation', { exact: true }).first().click();
    await page.waitForSelector('.graphiql-doc-explorer-title', { timeout: 10_000 });
    await page.click('button[aria-label="Open settings dialog"]');
    await page.waitForSelector('.graphiql-dialog', { timeout: 10_000 });
    // The dialog's scroll lock is a <style> element: it is let in by the page's style nonce.
    const styles = await page.evaluate(() =>
      Array.from(document.querySelectorAll('style')).map((el) => ({ nonce: el.nonce ?? '', css: el.textContent ?? '' })),
    );
    expect(styles.length).toBeGreaterThan(0);
    for (const style of styles) expect(style.nonce).not.toBe('');
    await page.keyboard.press('Escape');
    await page.waitForSelector('.graphiql-dialog', { state: 'detached', timeout: 10_000 });
    expect(await cspViolations()).toEqual([]);
    await page.screenshot({ path: SCREENSHOT });
  }, 60_000);

  it('reports a refused key on the WebSocket at once, instead of retrying', async () => {
    await setEditorValue(HEADERS_EDITOR, JSON.stringify({ authorization: 'Bearer not-a-key' }, null, 2));
    await page.click('.graphiql-execute-button');
    const text = await waitFor(resultText, (t) => t.includes('4403'), 10_000);
    expect(text).toContain('The gateway refused the WebSocket connection (4403 Forbidden)');
    // Reported after the first refusal: by the time the message shows, the gateway had seen one
    // connection with this key (graphql-ws retrying would have made several before reporting).
    expect(wsConnections.filter((params) => params.authorization === 'Bearer not-a-key')).toHaveLength(1);
    expect(wsConnections.at(-1)).toEqual({ authorization: 'Bearer not-a-key' });
    expect(wsConnections).toHaveLength(3);
  }, 60_000);

  it('saw no console errors, CSP violations or failed requests', async () => {
    expect(await cspViolations()).toEqual([]);
    expect(consoleErrors).toEqual([]);
    expect(failedResponses).toEqual([]);
  });
});
