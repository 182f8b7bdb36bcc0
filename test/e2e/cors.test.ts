/**
 * CORS_ORIGINS over real HTTP (undici) and a real WebSocket upgrade: what a browser on an allowed
 * storefront origin is told (preflight and actual responses, errors included), and that any other
 * origin gets no CORS header at all.
 */
import { request } from 'undici';
import WebSocket from 'ws';
import { CORS_ALLOW_HEADERS, CORS_EXPOSE_HEADERS } from '../../src/http/cors';
import { CLIENT_KEY, startGateway, type TestGateway } from '../support/gateway';

const SHOP = 'https://shop.example.com';
const SHOP_APP = 'http://localhost:5173';
const OTHER = 'https://evil.example.net';
const QUERY = JSON.stringify({ query: '{ checkoutConfig { environment } }' });

type Headers = Record<string, string | string[] | undefined>;

function corsHeaders(headers: Headers): Record<string, string | string[] | undefined> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => name.startsWith('access-control-')));
}

function varies(headers: Headers): string[] {
  return String(headers.vary ?? '')
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter(Boolean);
}

async function preflight(gateway: TestGateway, origin: string) {
  const response = await request(`${gateway.app.url}/graphql`, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
  });
  await response.body.dump();
  return { status: response.statusCode, headers: response.headers };
}

async function post(gateway: TestGateway, options: { origin?: string; key?: string | null; body?: string } = {}) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (options.origin) headers.origin = options.origin;
  if (options.key !== null) headers.authorization = `Bearer ${options.key ?? CLIENT_KEY}`;
  const response = await request(`${gateway.app.url}/graphql`, { method: 'POST', headers, body: options.body ?? QUERY });
  const text = await response.body.text();
  return { status: response.statusCode, headers: response.headers, text };
}

/** Status of the upgrade: 101 when the socket opened, else the HTTP status ws was refused with. */
function upgrade(gateway: TestGateway, origin: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${gateway.app.url.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws', { origin });
    ws.on('unexpected-response', (req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
      req.destroy();
    });
    ws.on('error', reject);
    ws.on('open', () => {
      ws.close();
      resolve(101);
    });
  });
}

describe('CORS_ORIGINS', () => {
  let gateway: TestGateway;

  beforeAll(async () => {
    gateway = await startGateway({ CORS_ORIGINS: `${SHOP}, ${SHOP_APP}`, RATE_LIMIT_PER_MINUTE: '3' });
  });
  afterAll(async () => {
    await gateway?.close();
  });

  it('answers a preflight from an allowed origin with that origin, the methods, the headers and a max age', async () => {
    for (const origin of [SHOP, SHOP_APP]) {
      const { status, headers } = await preflight(gateway, origin);
      expect(status).toBe(204);
      expect(corsHeaders(headers)).toEqual({
        'access-control-allow-origin': origin,
        'access-control-allow-methods': 'POST, GET, OPTIONS',
        'access-control-allow-headers': CORS_ALLOW_HEADERS,
        'access-control-max-age': '600',
      });
      expect(varies(headers)).toContain('origin');
    }
    const allowedHeaders = CORS_ALLOW_HEADERS.split(',').map((name) => name.trim());
    expect(allowedHeaders).toEqual(expect.arrayContaining(['authorization', 'content-type', 'apollo-require-preflight', 'x-request-id']));
  });

  it('gives a preflight from any other origin no CORS header (the browser then blocks the call)', async () => {
    const { status, headers } = await preflight(gateway, OTHER);
    expect(status).toBe(204);
    expect(corsHeaders(headers)).toEqual({});
    // A listed origin's scheme or port is part of it.
    expect(corsHeaders((await preflight(gateway, 'http://shop.example.com')).headers)).toEqual({});
    expect(corsHeaders((await preflight(gateway, 'http://localhost:5174')).headers)).toEqual({});
  });

  it('lets an allowed origin read an actual answer (and the headers that explain it); never `*`, never credentials', async () => {
    const response = await post(gateway, { origin: SHOP });
    expect(response.status).toBe(200);
    expect(JSON.parse(response.text).data.checkoutConfig.environment).toBe('embedded');
    expect(corsHeaders(response.headers)).toEqual({
      'access-control-allow-origin': SHOP,
      'access-control-expose-headers': CORS_EXPOSE_HEADERS,
    });
    expect(CORS_EXPOSE_HEADERS.split(', ')).toEqual(expect.arrayContaining(['x-request-id', 'retry-after', 'ratelimit', 'ratelimit-policy']));
    expect(varies(response.headers)).toContain('origin');

    // Another origin, and a request without Origin (not a browser), get no CORS header. The server
    // still answers: CORS tells browsers what a page may read; the key is what protects the API.
    const other = await post(gateway, { origin: OTHER });
    expect(other.status).toBe(200);
    expect(corsHeaders(other.headers)).toEqual({});
    const noOrigin = await post(gateway);
    expect(noOrigin.status).toBe(200);
    expect(corsHeaders(noOrigin.headers)).toEqual({});
    expect(varies(noOrigin.headers)).not.toContain('origin');
  });

  it('puts the headers on the 401, 413 and 429 answers too, so the page can read the error', async () => {
    const unauthenticated = await post(gateway, { origin: SHOP, key: null });
    expect(unauthenticated.status).toBe(401);
    expect(JSON.parse(unauthenticated.text).errors[0].extensions.code).toBe('UNAUTHENTICATED');
    expect(unauthenticated.headers['access-control-allow-origin']).toBe(SHOP);

    const tooLarge = await post(gateway, { origin: SHOP, body: JSON.stringify({ query: `{ checkoutConfig { environment } } #${'x'.repeat(200 * 1024)}` }) });
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.headers['access-control-allow-origin']).toBe(SHOP);

    // RATE_LIMIT_PER_MINUTE=3 (the tests above spent some of it): the key runs out within a few calls.
    let limited = await post(gateway, { origin: SHOP_APP });
    for (let i = 0; i < 5 && limited.status !== 429; i++) limited = await post(gateway, { origin: SHOP_APP });
    expect(limited.status).toBe(429);
    expect(limited.headers['access-control-allow-origin']).toBe(SHOP_APP);
    expect(limited.headers['access-control-expose-headers']).toContain('retry-after');
  });

  it('accepts the WebSocket upgrade from an origin in CORS_ORIGINS and refuses another with 403', async () => {
    expect(await upgrade(gateway, SHOP)).toBe(101);
    expect(await upgrade(gateway, SHOP_APP)).toBe(101);
    expect(await upgrade(gateway, OTHER)).toBe(403);
  });
});
