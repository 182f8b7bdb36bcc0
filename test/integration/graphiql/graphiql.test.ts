/**
 * The GraphiQL router over real loopback HTTP: the page for browsers (with its security headers),
 * every asset it links, fall-through of non-browser GETs to the GraphQL handler, and the asset
 * allow-list.
 */
import { createHash } from 'node:crypto';
import { request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import express from 'express';
import { graphiqlCsp, graphiqlRouter } from '../../../src/http/graphiql/graphiql.router';

/** What Chrome sends for a top-level navigation. */
const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8';

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

let server: Server;
let origin: string;
/** Requests that reached the handler mounted after the router. */
const reachedGraphql: { method: string; url: string }[] = [];

/** Plain node:http, so nothing is decompressed or added behind the test's back. */
function get(path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(`${origin}${path}`, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

function linkedAssets(html: string): string[] {
  return [...html.matchAll(/<(?:script|link)\b[^>]*\b(?:src|href)="([^"]+)"/g)].map((m) => m[1]!.replace(/&amp;/g, '&'));
}

function integrityOf(html: string, url: string): string | undefined {
  const tag = [...html.matchAll(/<(?:script|link)\b[^>]*>/g)].map((m) => m[0]).find((t) => t.includes(`"${url}"`));
  return tag?.match(/integrity="([^"]+)"/)?.[1];
}

beforeAll(async () => {
  const app = express();
  app.use(graphiqlRouter({}));
  app.use('/prefixed', graphiqlRouter({ endpointPath: '/api/graphql' }));
  app.all('/graphql', (req, res) => {
    reachedGraphql.push({ method: req.method, url: req.originalUrl });
    res.status(405).json({ reached: 'graphql handler' });
  });
  server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  reachedGraphql.length = 0;
});

describe('the page', () => {
  it('is served to a browser navigation with the security headers', async () => {
    const reply = await get('/graphql', { Accept: BROWSER_ACCEPT });
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe('text/html; charset=utf-8');
    const csp = String(reply.headers['content-security-policy']);
    const html = reply.body.toString('utf8');
    const nonce = html.match(/<meta name="graphiql-style-nonce" nonce="([A-Za-z0-9+/]{24})">/)?.[1];
    expect(nonce).toBeDefined();
    expect(csp).toBe(graphiqlCsp(nonce!));
    const directives = new Map(
      String(csp)
        .split(';')
        .map((d) => d.trim().split(/\s+/))
        .map(([name, ...values]) => [name!, values.join(' ')]),
    );
    expect(directives.get('default-src')).toBe("'none'");
    expect(directives.get('script-src')).toBe("'self'");
    expect(directives.get('style-src')).toBe(`'self' 'nonce-${nonce}'`);
    expect(directives.get('font-src')).toBe("'self' data:");
    expect(directives.get('img-src')).toBe("'self' data:");
    expect(directives.get('base-uri')).toBe("'none'");
    expect(directives.get('connect-src')).toBe("'self' ws: wss:");
    expect(directives.get('frame-ancestors')).toBe("'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    expect(reply.headers['x-content-type-options']).toBe('nosniff');
    expect(reply.headers['referrer-policy']).toBe('no-referrer');
    expect(reply.headers['x-frame-options']).toBe('DENY');
    expect(reply.headers['cache-control']).toBe('no-store');
    expect(reply.headers['vary']).toMatch(/\bAccept\b/);
    expect(reachedGraphql).toEqual([]);

    expect(html).toContain('<div id="graphiql" data-endpoint="/graphql">');
    // Nothing inline for the CSP to refuse, and nothing from another origin.
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/<style\b|\sstyle=|\son[a-z]+=/i);
    expect(html).not.toMatch(/(?:https?:)?\/\/[a-z0-9.-]+\.[a-z]{2,}/i);
  });

  it('is served for a plain Accept: text/html, and to HEAD', async () => {
    expect((await get('/graphql', { Accept: 'text/html' })).status).toBe(200);
    const head = await get('/graphql', { Accept: 'text/html' }, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.headers['content-security-policy']).toContain("script-src 'self'");
  });

  it('uses a fresh style nonce for every page', async () => {
    const csps = new Set<string>();
    for (let i = 0; i < 5; i++) csps.add(String((await get('/graphql', { Accept: 'text/html' })).headers['content-security-policy']));
    expect(csps.size).toBe(5);
  });

  it('links every asset, and each one answers 200 with its content type, long caching and matching SRI', async () => {
    const html = (await get('/graphql', { Accept: BROWSER_ACCEPT })).body.toString('utf8');
    const urls = linkedAssets(html).filter((u) => !u.startsWith('data:'));
    expect(urls.map((u) => u.replace(/\?.*$/, ''))).toEqual([
      '/graphiql/assets/graphiql.min.css',
      '/graphiql/assets/graphiql-page.css',
      '/graphiql/assets/react.production.min.js',
      '/graphiql/assets/react-dom.production.min.js',
      '/graphiql/assets/graphiql.min.js',
      '/graphiql/assets/graphiql-boot.js',
    ]);
    for (const url of urls) {
      const reply = await get(url);
      expect({ url, status: reply.status }).toEqual({ url, status: 200 });
      const expectedType = url.replace(/\?.*$/, '').endsWith('.js') ? 'text/javascript; charset=utf-8' : 'text/css; charset=utf-8';
      expect(reply.headers['content-type']).toBe(expectedType);
      expect(reply.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(reply.headers['x-content-type-options']).toBe('nosniff');
      expect(reply.headers['content-encoding']).toBeUndefined();
      expect(reply.body.length).toBeGreaterThan(100);
      const sri = integrityOf(html, url);
      expect(sri).toBe(`sha384-${createHash('sha384').update(reply.body).digest('base64')}`);
    }
  });

  it('serves the bootstrap as a module whose imports (graphql-ws client and its chunk) all resolve', async () => {
    const html = (await get('/graphql', { Accept: BROWSER_ACCEPT })).body.toString('utf8');
    const bootTag = html.match(/<script type="module" src="([^"]+)"[^>]*><\/script>/);
    expect(bootTag?.[1]).toMatch(/^\/graphiql\/assets\/graphiql-boot\.js\?v=[0-9a-f]{16}$/);
    // Walk the static imports from the bootstrap, as the browser will.
    const pending = [bootTag![1]!];
    const loaded: string[] = [];
    while (pending.length > 0) {
      const url = pending.shift()!;
      const reply = await get(url);
      expect({ url, status: reply.status, type: reply.headers['content-type'] }).toEqual({ url, status: 200, type: 'text/javascript; charset=utf-8' });
      loaded.push(new URL(url, origin).pathname);
      for (const m of reply.body.toString('utf8').matchAll(/^\s*(?:import|export)\b[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]/gm)) {
        expect(m[1]).toMatch(/^\.\//); // relative only: the browser has no import map
        const next = new URL(m[1]!, new URL(url, origin));
        if (!loaded.includes(next.pathname) && !pending.some((p) => p.startsWith(next.pathname))) pending.push(next.pathname + next.search);
      }
    }
    expect(loaded[0]).toBe('/graphiql/assets/graphiql-boot.js');
    expect(loaded[1]).toBe('/graphiql/assets/graphql-ws.client.js');
    expect(loaded.slice(2)).toEqual([expect.stringMatching(/^\/graphiql\/assets\/common-[\w-]+\.js$/)]);
  });

  it('serves GraphiQL 3 and React 18 UMD bundles, and a bootstrap that sends the key over WebSocket', async () => {
    const graphiql = (await get('/graphiql/assets/graphiql.min.js')).body.toString('utf8');
    expect(graphiql.startsWith('!function(e,t){"object"==typeof exports')).toBe(true); // UMD wrapper
    const react = (await get('/graphiql/assets/react.production.min.js')).body.toString('utf8');
    expect(react).toMatch(/version="18\./);
    const wsClient = (await get('/graphiql/assets/graphql-ws.client.js')).body.toString('utf8');
    expect(wsClient).toMatch(/export \{[^}]*\bcreateClient\b/);
    const boot = (await get('/graphiql/assets/graphiql-boot.js')).body.toString('utf8');
    expect(boot).toMatch(/^import \{ createClient \} from "\.\/graphql-ws\.client\.js\?v=[0-9a-f]{16}";$/m);
    expect(boot).toContain('connectionParams: authorization ? { authorization } : {}');
    expect(boot).toContain("headerValue(fetcherOpts.headers, 'authorization')");
    expect(boot).toContain('Bearer <paste your API key>');
    expect(boot).toContain('initiatePayment');
    expect(boot).toContain('shouldPersistHeaders: false');
    expect(boot).toContain('window.__webpack_nonce__ = styleNonce');
  });

  it('gzips an asset for a client that accepts it', async () => {
    const plain = await get('/graphiql/assets/graphiql.min.js');
    const zipped = await get('/graphiql/assets/graphiql.min.js', { 'Accept-Encoding': 'gzip, deflate, br' });
    expect(zipped.status).toBe(200);
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(zipped.headers['vary']).toMatch(/Accept-Encoding/);
    expect(zipped.body.length).toBeLessThan(plain.body.length / 2);
    expect(gunzipSync(zipped.body).equals(plain.body)).toBe(true);
    expect(zipped.headers['etag']).not.toBe(plain.headers['etag']);
  });

  it('answers a conditional request with 304, and an unversioned link without long caching', async () => {
    const first = await get('/graphiql/assets/graphiql-boot.js');
    expect(first.headers['cache-control']).toBe('no-cache');
    const again = await get('/graphiql/assets/graphiql-boot.js', { 'If-None-Match': String(first.headers['etag']) });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
    const stale = await get('/graphiql/assets/graphiql-boot.js?v=0000000000000000');
    expect(stale.headers['cache-control']).toBe('no-cache');
  });

  it('follows the mount point and endpointPath', async () => {
    const reply = await get('/prefixed/api/graphql', { Accept: BROWSER_ACCEPT });
    expect(reply.status).toBe(200);
    const html = reply.body.toString('utf8');
    expect(html).toContain('data-endpoint="/prefixed/api/graphql"');
    const urls = linkedAssets(html).filter((u) => !u.startsWith('data:'));
    expect(urls).toHaveLength(6);
    for (const url of urls) {
      expect(url.startsWith('/prefixed/graphiql/assets/')).toBe(true);
      expect((await get(url)).status).toBe(200);
    }
  });
});

describe('falling through to the GraphQL handler', () => {
  it.each([
    ['no Accept', {}],
    ['Accept: application/json', { Accept: 'application/json' }],
    ['Accept: application/graphql-response+json', { Accept: 'application/graphql-response+json, application/json;q=0.9' }],
    ['Accept: */*', { Accept: '*/*' }],
    ['JSON preferred over HTML', { Accept: 'application/json, text/html;q=0.5' }],
  ])('a GET with %s reaches the handler', async (_label, headers: Record<string, string>) => {
    const reply = await get('/graphql?query=%7B__typename%7D', headers);
    expect(reply.status).toBe(405);
    expect(JSON.parse(reply.body.toString('utf8'))).toEqual({ reached: 'graphql handler' });
    expect(reply.headers['content-security-policy']).toBeUndefined();
    expect(reply.headers['vary']).toMatch(/\bAccept\b/);
    expect(reachedGraphql).toEqual([{ method: 'GET', url: '/graphql?query=%7B__typename%7D' }]);
  });

  it('a POST reaches the handler even from a browser', async () => {
    const reply = await get('/graphql', { Accept: BROWSER_ACCEPT }, 'POST');
    expect(reply.status).toBe(405);
    expect(reachedGraphql).toEqual([{ method: 'POST', url: '/graphql' }]);
  });
});

describe('the asset allow-list', () => {
  it.each([
    '/graphiql/assets/nope.js',
    '/graphiql/assets/graphiql.js', // in the package, not on the list
    '/graphiql/assets/package.json',
    '/graphiql/assets/index.umd.js.map',
    '/graphiql/assets/..%2F..%2Fpackage.json',
    '/graphiql/assets/%2e%2e%2fgraphiql.router.ts',
    '/graphiql/assets/__proto__',
    '/graphiql/assets/constructor',
    '/graphiql/assets/',
    '/graphiql/assets',
    '/graphiql/assets/react/umd/react.production.min.js',
  ])('%s is 404', async (path) => {
    const reply = await get(path);
    expect(reply.status).toBe(404);
    expect(reply.headers['cache-control'] ?? 'no-store').not.toContain('immutable');
    expect(reply.body.toString('utf8')).not.toContain('React');
  });
});
