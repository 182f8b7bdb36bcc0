/**
 * GraphiQL at the GraphQL endpoint: a browser's GET of /graphql (one that prefers text/html) gets
 * the page; every other request falls through to the GraphQL handler mounted after this router.
 * Everything the page loads comes from installed packages under /graphiql/assets/<name>.
 */
import { randomBytes } from 'node:crypto';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { loadGraphiqlAssets, MODULE_ASSET, SCRIPT_ASSETS, STYLE_ASSETS, type GraphiqlAsset } from './graphiql.assets';

export const GRAPHIQL_ASSETS_PATH = '/graphiql/assets';

export interface GraphiqlRouterOptions {
  /** Where the GraphQL endpoint is (and so where the page is served). Default `/graphql`. */
  endpointPath?: string;
}

/**
 * The page's Content-Security-Policy. Scripts only from this origin: the bootstrap is a served
 * file, not inline, and the bundles use neither eval nor new Function, so script-src needs neither
 * 'unsafe-inline' nor 'unsafe-eval'. Styles from this origin too, plus one per-request nonce:
 * GraphiQL's dialogs lock page scrolling by inserting a <style> element (react-remove-scroll),
 * which takes its nonce from `window.__webpack_nonce__`; the bootstrap sets that from the page's
 * <meta name="graphiql-style-nonce" nonce="...">. Everything else GraphiQL styles goes through
 * CSSOM (element.style), which CSP does not govern. Its stylesheet embeds fonts as data: URLs.
 * `ws: wss:` lets the page open the subscription socket (browsers that predate CSP 3 do not count
 * ws(s) to the same host as 'self').
 */
export function graphiqlCsp(styleNonce: string): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    `style-src 'self' 'nonce-${styleNonce}'`,
    "font-src 'self' data:",
    "img-src 'self' data:",
    "connect-src 'self' ws: wss:",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

const IMMUTABLE = 'public, max-age=31536000, immutable';

/** True for a browser navigation: text/html is preferred over every JSON type GraphQL answers with. */
function prefersHtml(req: Request): boolean {
  return req.accepts(['application/graphql-response+json', 'application/json', 'text/html']) === 'text/html';
}

function escapeAttribute(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

function assetUrl(base: string, asset: GraphiqlAsset): string {
  return `${base}${GRAPHIQL_ASSETS_PATH}/${asset.name}?v=${asset.version}`;
}

function renderPage(assets: ReadonlyMap<string, GraphiqlAsset>, base: string, endpoint: string, styleNonce: string): string {
  const pick = (name: string): GraphiqlAsset => {
    const asset = assets.get(name);
    if (!asset) throw new Error(`GraphiQL asset ${name} is not loaded`);
    return asset;
  };
  const styles = STYLE_ASSETS.map(pick)
    .map((a) => `<link rel="stylesheet" href="${escapeAttribute(assetUrl(base, a))}" integrity="${a.integrity}">`)
    .join('\n');
  const scripts = SCRIPT_ASSETS.map(pick)
    .map((a) => `<script src="${escapeAttribute(assetUrl(base, a))}" integrity="${a.integrity}"></script>`)
    .join('\n');
  const boot = pick(MODULE_ASSET);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="robots" content="noindex">
<title>GraphiQL · khalti-graphql</title>
<link rel="icon" href="data:,">
<meta name="graphiql-style-nonce" nonce="${styleNonce}">
${styles}
</head>
<body>
<div id="graphiql" data-endpoint="${escapeAttribute(endpoint)}"><p class="graphiql-boot-message">Loading GraphiQL…</p></div>
<noscript><p class="graphiql-boot-message">GraphiQL needs JavaScript.</p></noscript>
${scripts}
<script type="module" src="${escapeAttribute(assetUrl(base, boot))}" integrity="${boot.integrity}"></script>
</body>
</html>
`;
}

function setCommonHeaders(res: Response): void {
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
}

export function graphiqlRouter(options: GraphiqlRouterOptions = {}): Router {
  const endpointPath = options.endpointPath ?? '/graphql';
  if (!endpointPath.startsWith('/')) throw new Error(`graphiqlRouter: endpointPath must start with "/" (got "${endpointPath}")`);
  const assets = loadGraphiqlAssets();
  const router = express.Router();

  router.get(`${GRAPHIQL_ASSETS_PATH}/:name`, (req: Request, res: Response, next: NextFunction) => {
    const name = req.params['name'];
    const asset = typeof name === 'string' ? assets.get(name) : undefined;
    setCommonHeaders(res);
    if (!asset) {
      res.setHeader('Cache-Control', 'no-store');
      res.status(404).type('text/plain').send('Not found');
      return;
    }
    res.setHeader('Content-Type', asset.contentType);
    res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
    // Only a link to these exact contents may be cached for good; anything else revalidates.
    res.setHeader('Cache-Control', req.query['v'] === asset.version ? IMMUTABLE : 'no-cache');
    res.vary('Accept-Encoding');
    // No Accept-Encoding means plain bytes here (curl and friends), though HTTP would allow gzip.
    const gzipWanted = req.headers['accept-encoding'] !== undefined && req.acceptsEncodings('gzip', 'identity') === 'gzip';
    if (!gzipWanted) {
      res.setHeader('ETag', asset.etag);
      res.send(asset.body);
      return;
    }
    asset.gzipped().then(
      (body) => {
        res.setHeader('Content-Encoding', 'gzip');
        res.setHeader('ETag', `${asset.etag.slice(0, -1)}-gz"`);
        res.send(body);
      },
      (error: unknown) => next(error),
    );
  });

  router.get(endpointPath, (req: Request, res: Response, next: NextFunction) => {
    // The same URL answers HTML or JSON depending on Accept: caches must key on it either way.
    res.vary('Accept');
    if (!prefersHtml(req)) {
      next();
      return;
    }
    setCommonHeaders(res);
    const styleNonce = randomBytes(18).toString('base64');
    res.setHeader('Content-Security-Policy', graphiqlCsp(styleNonce));
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    // Never reuse a page: its nonce is single-use.
    res.setHeader('Cache-Control', 'no-store');
    res.type('html').send(renderPage(assets, req.baseUrl, `${req.baseUrl}${endpointPath}`, styleNonce));
  });

  return router;
}
