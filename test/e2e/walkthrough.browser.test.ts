/**
 * The README's "A payment, by hand", done by a person in a real browser against the real gateway
 * (embedded Khalti emulator, SQLite on disk):
 *
 *   open GraphiQL, paste the client key, initiate a payment; subscribe to it in a second tab; pay
 *   it on the emulator's page in a third tab and land on the merchant's returnUrl with paid=true;
 *   see INITIATED -> COMPLETED (CALLBACK) in the subscription tab; refund it with the admin key.
 *
 * The merchant is a tiny node:http site on loopback that records every GET. The gateway hands out
 * URLs at its public origin (http://localhost:<port>) while listening on 127.0.0.1, so Chromium
 * maps localhost to 127.0.0.1.
 *
 * Screenshots of each stage go to /tmp/walkthrough-*.png.
 * Needs /usr/bin/chromium (Debian: `apt-get install -y chromium`); without it the suite is skipped.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, WebSocket } from 'playwright-core';
import { CHROMIUM, GraphiqlTab, haveChromium, launchChromium, parseResult, waitFor, watchPage } from '../support/browser';
import { ADMIN_KEY, CLIENT_KEY, startGateway, type TestGateway } from '../support/gateway';

if (!haveChromium) {
  console.warn(`Walkthrough browser test skipped: ${CHROMIUM} is missing (Debian: apt-get install -y chromium).`);
}

const SHOTS = {
  initiate: '/tmp/walkthrough-1-initiate.png',
  otp: '/tmp/walkthrough-2-payment-page.png',
  merchant: '/tmp/walkthrough-3-merchant.png',
  subscription: '/tmp/walkthrough-4-subscription.png',
  refund: '/tmp/walkthrough-5-refund.png',
  subscriptionAfterRefund: '/tmp/walkthrough-6-subscription-after-refund.png',
};

const KHALTI_ID = '9800000001';
const MPIN = '1111';
const OTP = '987654';
const AMOUNT = 1300;
const ORDER_ID = 'walkthrough-order-1';
const ORDER_NAME = 'Khalti logo sticker';

interface MerchantHit {
  url: string;
  headers: IncomingHttpHeaders;
}

/** The merchant's own website: answers every GET with a small page and remembers it. */
async function startMerchant(): Promise<{ server: Server; origin: string; hits: MerchantHit[] }> {
  const hits: MerchantHit[] = [];
  const server = createServer((req, res) => {
    if (req.method !== 'GET') {
      res.writeHead(405).end();
      return;
    }
    hits.push({ url: req.url ?? '', headers: req.headers });
    if (req.url === '/favicon.ico') {
      res.writeHead(204).end();
      return;
    }
    const query = new URL(req.url ?? '/', 'http://merchant.invalid').searchParams;
    const rows = [...query].map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join('');
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sticker shop</title></head>
<body><h1>${query.get('paid') === 'true' ? 'Thank you for your order' : 'Order not paid'}</h1><table>${rows}</table></body></html>`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits };
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

/** Runs one stage of the walkthrough; a failure names the stage. */
async function step<T>(name: string, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (error) {
    if (error instanceof Error) error.message = `walkthrough step "${name}" failed:\n${error.message}`;
    throw error;
  }
}

(haveChromium ? describe : describe.skip)('walkthrough: a payment by hand, in a browser', () => {
  let gateway: TestGateway;
  let merchant: Awaited<ReturnType<typeof startMerchant>>;
  let browser: Browser;
  let context: BrowserContext;
  /** Problems seen on the GraphiQL tabs (console errors and warnings, page errors, failed requests). */
  const graphiqlProblems: string[] = [];
  /** The same for the payment tab. */
  const paymentProblems: string[] = [];

  beforeAll(async () => {
    gateway = await startGateway();
    merchant = await startMerchant();
    browser = await launchChromium([`--host-resolver-rules=MAP localhost 127.0.0.1`]);
    context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  }, 30_000);

  afterAll(async () => {
    await context?.close().catch(() => undefined);
    await browser?.close();
    if (merchant) {
      merchant.server.closeAllConnections();
      await new Promise<void>((resolve) => merchant.server.close(() => resolve()));
    }
    await gateway?.close();
  }, 30_000);

  async function graphiqlTab(label: string): Promise<GraphiqlTab> {
    const page = await context.newPage();
    watchPage(page, label, graphiqlProblems);
    const tab = new GraphiqlTab(page);
    await tab.open(`${gateway.app.url}/graphql`);
    return tab;
  }

  it('initiates in GraphiQL, pays on the emulator page, lands on the returnUrl, sees the event, refunds with the admin key', async () => {
    const returnUrl = `${merchant.origin}/thanks?cart=42`;
    expect(gateway.app.publicUrl).toMatch(/^http:\/\/localhost:\d+$/);

    // 1-3. GraphiQL, client key, initiatePayment; pidx and paymentUrl from the result pane.
    const main = await step('open GraphiQL', () => graphiqlTab('GraphiQL tab 1'));
    const { pidx, paymentUrl } = await step('initiate the payment in GraphiQL', async () => {
      await main.useKey(CLIENT_KEY);
      await main.pasteOperation(`mutation InitiatePayment {
  initiatePayment(input: {
    returnUrl: "${returnUrl}"
    websiteUrl: "${merchant.origin}"
    amount: ${AMOUNT}
    purchaseOrderId: "${ORDER_ID}"
    purchaseOrderName: "${ORDER_NAME}"
  }) {
    paymentUrl
    payment { pidx status amount returnUrl }
    userErrors { field message code }
  }
}`);
      await main.run();
      const text = await main.waitForResult((t) => t.includes('"pidx"') || t.includes('"errors"'));
      const result = parseResult(text);
      expect(result.errors).toBeUndefined();
      const payload = result.data.initiatePayment;
      expect(payload.userErrors).toEqual([]);
      expect(payload.payment).toEqual({ pidx: expect.any(String), status: 'INITIATED', amount: AMOUNT, returnUrl });
      expect(payload.paymentUrl).toBe(`${gateway.app.publicUrl}/sandbox/pay?pidx=${encodeURIComponent(payload.payment.pidx)}`);
      await main.screenshot(SHOTS.initiate);
      return { pidx: payload.payment.pidx as string, paymentUrl: payload.paymentUrl as string };
    });

    // 4. A second tab: the subscription, with the client key (it goes over graphql-ws).
    const watcher = await step('open GraphiQL in a second tab', () => graphiqlTab('GraphiQL tab 2'));
    const framesSent: string[] = [];
    const framesReceived: string[] = [];
    watcher.page.on('websocket', (socket: WebSocket) => {
      socket.on('framesent', (frame) => framesSent.push(String(frame.payload)));
      socket.on('framereceived', (frame) => framesReceived.push(String(frame.payload)));
    });
    await step('subscribe to paymentStatusChanged in the second tab', async () => {
      await watcher.useKey(CLIENT_KEY);
      await watcher.pasteOperation(`subscription PaymentStatusChanged {
  paymentStatusChanged(pidx: "${pidx}") {
    pidx
    previousStatus
    status
    source
    payment { paid status totalAmount refundedAmount }
  }
}`);
      await watcher.run();
      // Subscribed once the gateway accepted the key and the subscribe message went out.
      const acked = await waitFor(() => framesReceived.some((f) => f.includes('"connection_ack"')), Boolean, 5_000);
      expect({ acked, framesReceived }).toEqual({ acked: true, framesReceived: expect.any(Array) });
      const subscribed = await waitFor(() => framesSent.some((f) => f.includes('"subscribe"') && f.includes(pidx)), Boolean, 5_000);
      expect({ subscribed, framesSent }).toEqual({ subscribed: true, framesSent: expect.any(Array) });
      expect(framesSent.find((f) => f.includes('"connection_init"'))).toContain(`"authorization":"Bearer ${CLIENT_KEY}"`);
      // While it runs, the run button is the stop button and the result pane waits, empty.
      await watcher.page.waitForSelector('.graphiql-execute-button[aria-label^="Stop"]', { timeout: 5_000 });
      expect(await watcher.resultText()).toBe('');
    });

    // 5. A third tab: the payment page at paymentUrl (the public origin), login, OTP, back to the merchant.
    const pay = await context.newPage();
    watchPage(pay, 'payment tab', paymentProblems);
    const navigations: string[] = [];
    pay.on('request', (request) => {
      if (request.isNavigationRequest() && request.frame() === pay.mainFrame()) navigations.push(`${request.method()} ${request.url()}`);
    });
    const landedOn = await step('pay on the emulator page', async () => {
      const response = await pay.goto(paymentUrl);
      expect(response?.status()).toBe(200);
      await expect(pay.textContent('.order .name')).resolves.toBe(ORDER_NAME);
      await expect(pay.textContent('.order .amount')).resolves.toBe('Rs. 13.00');
      await pay.fill('#khalti_id', KHALTI_ID);
      await pay.fill('#mpin', MPIN);
      await Promise.all([pay.waitForURL(/\/sandbox\/pay\/login$/), pay.getByRole('button', { name: 'Log in to pay' }).click()]);
      await pay.waitForSelector('#otp', { timeout: 5_000 });
      await expect(pay.textContent('.notice')).resolves.toContain('We sent a one-time code to');
      await pay.fill('#otp', OTP);
      await pay.screenshot({ path: SHOTS.otp });
      await Promise.all([
        pay.waitForURL((url) => url.origin === merchant.origin, { timeout: 10_000 }),
        pay.getByRole('button', { name: 'Pay Rs. 13.00' }).click(),
      ]);
      await pay.waitForSelector('h1', { timeout: 5_000 });
      await pay.screenshot({ path: SHOTS.merchant });
      return new URL(pay.url());
    });
    await step('check the redirect to the returnUrl', async () => {
      expect(landedOn.pathname).toBe('/thanks');
      const params = Object.fromEntries(landedOn.searchParams);
      expect(params).toEqual({ cart: '42', pidx, status: 'COMPLETED', purchase_order_id: ORDER_ID, paid: 'true', amount: String(AMOUNT) });
      await expect(pay.textContent('h1')).resolves.toBe('Thank you for your order');
      // The browser went login -> OTP -> the gateway's /khalti/return (on the public origin) -> the merchant.
      const returnHop = navigations.find((n) => n.startsWith(`GET ${gateway.app.publicUrl}/khalti/return?`));
      expect({ navigations, returnHop }).toEqual({ navigations: expect.any(Array), returnHop: expect.stringContaining(`pidx=${pidx}`) });
      // What the merchant's server itself received: one GET of the returnUrl with the verified values.
      const thanks = merchant.hits.filter((hit) => hit.url.startsWith('/thanks'));
      expect(thanks).toHaveLength(1);
      const received = new URL(thanks[0]!.url, merchant.origin).searchParams;
      expect(received.get('paid')).toBe('true');
      expect(received.get('status')).toBe('COMPLETED');
      expect(received.get('pidx')).toBe(pidx);
      expect(received.get('cart')).toBe('42');
    });

    // 6. The subscription tab shows the change, from the buyer's return (CALLBACK).
    await step('see the event in the subscription tab', async () => {
      await watcher.page.bringToFront();
      const text = await watcher.waitForResult((t) => t.includes('COMPLETED'), 10_000);
      expect(parseResult(text)).toEqual({
        data: {
          paymentStatusChanged: {
            pidx,
            previousStatus: 'INITIATED',
            status: 'COMPLETED',
            source: 'CALLBACK',
            payment: { paid: true, status: 'COMPLETED', totalAmount: AMOUNT, refundedAmount: 0 },
          },
        },
        // GraphiQL shows the whole event, the subscription's estimated cost included.
        extensions: { cost: { estimated: expect.any(Number), limit: 5000 } },
      });
      // Still subscribed: later changes (the refund) arrive in the same tab.
      expect(await watcher.page.locator('.graphiql-execute-button[aria-label^="Stop"]').count()).toBe(1);
      await watcher.screenshot(SHOTS.subscription);
    });

    // 7. Back in the first tab: the admin key, and refund everything.
    await step('refund with the admin key in GraphiQL', async () => {
      await main.page.bringToFront();
      await main.useKey(ADMIN_KEY);
      await main.pasteOperation(`mutation Refund {
  refund(input: { pidx: "${pidx}" }) {
    refund { amount state }
    payment { status refundedAmount refunded paid }
    userErrors { code message }
  }
}`);
      await main.run();
      const text = await main.waitForResult((t) => t.includes('"refund"') && !t.includes('"initiatePayment"'));
      expect(parseResult(text)).toEqual({
        data: {
          refund: {
            refund: { amount: AMOUNT, state: 'SUCCEEDED' },
            payment: { status: 'REFUNDED', refundedAmount: AMOUNT, refunded: true, paid: false },
            userErrors: [],
          },
        },
        extensions: { cost: { estimated: expect.any(Number), limit: 5000 } },
      });
      await main.screenshot(SHOTS.refund);
    });

    await step('see the refund in the subscription tab', async () => {
      await watcher.page.bringToFront();
      const text = await watcher.waitForResult((t) => t.includes('REFUNDED'), 10_000);
      expect(parseResult(text).data.paymentStatusChanged).toEqual({
        pidx,
        previousStatus: 'COMPLETED',
        status: 'REFUNDED',
        source: 'REFUND',
        payment: { paid: false, status: 'REFUNDED', totalAmount: AMOUNT, refundedAmount: AMOUNT },
      });
      await watcher.screenshot(SHOTS.subscriptionAfterRefund);
    });

    // 8. Nothing went wrong along the way that a person with the devtools open would see.
    await step('no errors in the browser', async () => {
      expect(graphiqlProblems).toEqual([]);
      expect(paymentProblems).toEqual([]);
    });
  }, 45_000);
});
