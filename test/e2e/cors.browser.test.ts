/**
 * CORS_ORIGINS in a real headless Chromium: a storefront page on another origin calls the real
 * gateway's /graphql with fetch() (an Authorization header and a JSON body, so the browser sends a
 * real preflight first) and opens its WebSocket; a page on an origin not listed is blocked by the
 * browser for both.
 *
 * The gateway is at http://localhost:<port> (its public origin; Chromium maps localhost to
 * 127.0.0.1), each storefront is a tiny node:http site at http://127.0.0.1:<another port>: different
 * origins, as a shop and its payments API would be.
 *
 * Needs /usr/bin/chromium (Debian: `apt-get install -y chromium`); without it the suite is skipped.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { CHROMIUM, haveChromium, launchChromium } from '../support/browser';
import { CLIENT_KEY, startGateway, type TestGateway } from '../support/gateway';

if (!haveChromium) {
  console.warn(`CORS browser test skipped: ${CHROMIUM} is missing (Debian: apt-get install -y chromium).`);
}

/** The tests run no DOM lib; these are the browser globals the page functions below touch. */
declare const fetch: (url: string, init: { method: string; headers: Record<string, string>; body: string }) => Promise<{ status: number; json(): Promise<any> }>;
declare class WebSocket {
  constructor(url: string, protocol: string);
  onopen: (() => void) | null;
  onmessage: ((event: { data: string }) => void) | null;
  onclose: ((event: { code: number }) => void) | null;
  send(data: string): void;
  close(): void;
}

type FetchOutcome = { status: number; body: any } | { error: string; name: string };
type SocketOutcome = { acked: true } | { closed: number };

/** A shop's website: one small HTML page at every path. */
async function startStorefront(): Promise<{ server: Server; origin: string }> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end('<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sticker shop</title></head><body><h1>Sticker shop</h1></body></html>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

async function stop(server: Server | undefined): Promise<void> {
  if (!server) return;
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** Runs in the page: what a storefront's script does to ask the gateway for something. */
function callGateway(page: Page, endpoint: string, key: string): Promise<FetchOutcome> {
  return page.evaluate(
    async ({ endpoint, key }) => {
      try {
        const response = await fetch(endpoint, {
          method: 'POST',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
          body: JSON.stringify({ query: '{ checkoutConfig { environment } }' }),
        });
        return { status: response.status, body: await response.json() };
      } catch (error) {
        return { error: String((error as Error).message), name: (error as Error).name };
      }
    },
    { endpoint, key },
  );
}

/** Runs in the page: opens graphql-ws's protocol on the gateway's WebSocket and waits for the ack. */
function openSocket(page: Page, endpoint: string, key: string): Promise<SocketOutcome> {
  return page.evaluate(
    ({ endpoint, key }) =>
      new Promise<SocketOutcome>((resolve) => {
        const socket = new WebSocket(endpoint, 'graphql-transport-ws');
        socket.onopen = () => socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${key}` } }));
        socket.onmessage = (event) => {
          if (JSON.parse(event.data).type === 'connection_ack') {
            resolve({ acked: true });
            socket.close();
          }
        };
        socket.onclose = (event) => resolve({ closed: event.code });
      }),
    { endpoint, key },
  );
}

const describeWithChromium = haveChromium ? describe : describe.skip;

describeWithChromium('CORS_ORIGINS in headless Chromium', () => {
  let shop: Awaited<ReturnType<typeof startStorefront>>;
  let elsewhere: Awaited<ReturnType<typeof startStorefront>>;
  let gateway: TestGateway;
  let browser: Browser;
  let context: BrowserContext;
  let endpoint: string;
  const consoleLines: string[] = [];

  beforeAll(async () => {
    shop = await startStorefront();
    elsewhere = await startStorefront();
    gateway = await startGateway({ CORS_ORIGINS: shop.origin });
    endpoint = `${gateway.app.publicUrl}/graphql`;
    browser = await launchChromium([`--host-resolver-rules=MAP localhost 127.0.0.1`]);
    context = await browser.newContext();
  }, 30_000);

  afterAll(async () => {
    await context?.close().catch(() => undefined);
    await browser?.close();
    await stop(shop?.server);
    await stop(elsewhere?.server);
    await gateway?.close();
  }, 30_000);

  async function pageAt(origin: string): Promise<Page> {
    const page = await context.newPage();
    page.on('console', (message) => consoleLines.push(`${origin}: ${message.type()}: ${message.text()}`));
    const response = await page.goto(`${origin}/checkout`);
    expect(response?.status()).toBe(200);
    return page;
  }

  /** The gateway's access lines for one method on /graphql. */
  function accessLines(method: string): string[] {
    return gateway.logs.filter((line) => line.startsWith('request ') && line.includes(`"method":"${method}"`) && line.includes('"path":"/graphql"'));
  }

  it('lets a page on an origin in CORS_ORIGINS fetch /graphql with a key (after a real preflight); a page elsewhere gets a TypeError', async () => {
    expect(new URL(endpoint).origin).not.toBe(shop.origin);
    const page = await pageAt(shop.origin);
    const preflightsBefore = accessLines('OPTIONS').length;
    const outcome = await callGateway(page, endpoint, CLIENT_KEY);
    expect(outcome).toMatchObject({ status: 200, body: { data: { checkoutConfig: { environment: 'embedded' } } } });
    // Authorization and a JSON content type are not "simple": the browser asked first.
    expect(accessLines('OPTIONS').length).toBe(preflightsBefore + 1);
    await page.close();

    const other = await pageAt(elsewhere.origin);
    const posts = accessLines('POST').length;
    expect(await callGateway(other, endpoint, CLIENT_KEY)).toEqual({ name: 'TypeError', error: 'Failed to fetch' });
    // The browser stopped at the preflight: the POST itself was never sent.
    expect(accessLines('POST').length).toBe(posts);
    expect(consoleLines.some((line) => line.startsWith(elsewhere.origin) && /blocked by CORS policy.*No 'Access-Control-Allow-Origin' header/.test(line))).toBe(true);
    await other.close();
  }, 30_000);

  it('lets the allowed page open the subscription WebSocket; the other page is refused at the upgrade', async () => {
    const socketEndpoint = endpoint.replace(/^http/, 'ws');
    const allowed = await pageAt(shop.origin);
    expect(await openSocket(allowed, socketEndpoint, CLIENT_KEY)).toEqual({ acked: true });
    await allowed.close();

    const other = await pageAt(elsewhere.origin);
    // 403 at the upgrade: the browser only reports an abnormal close (1006).
    expect(await openSocket(other, socketEndpoint, CLIENT_KEY)).toEqual({ closed: 1006 });
    await other.close();
  }, 30_000);
});
