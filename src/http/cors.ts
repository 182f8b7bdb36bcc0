/**
 * CORS for /graphql (CORS_ORIGINS): a storefront on another origin may call the API from the
 * browser. Only the listed origins get CORS headers, each its own origin back (never `*`), and no
 * credentials mode: the API authenticates with bearer keys, never cookies, so a browser has no
 * ambient credentials to send and `Access-Control-Allow-Credentials` is never set.
 *
 * Mounted first under /graphql so that every answer there (401, 413, 429 and the errors Apollo
 * gives) carries the headers, and a page can read why its call failed.
 */
import type { RequestHandler } from 'express';

export const CORS_ALLOW_METHODS = 'POST, GET, OPTIONS';
/**
 * What a browser client sends: the key, a JSON body, Apollo's CSRF-prevention headers (which
 * Apollo Client and GraphiQL-style tools may add) and a caller's own request id for the logs.
 */
export const CORS_ALLOW_HEADERS = 'authorization, content-type, apollo-require-preflight, x-apollo-operation-name, x-request-id';
/** Response headers a page may read besides the CORS-safelisted ones (they explain errors and limits). */
export const CORS_EXPOSE_HEADERS = 'x-request-id, retry-after, ratelimit, ratelimit-policy, www-authenticate';
/** How long a browser may reuse a preflight: short, so a removed origin stops working within minutes. */
export const CORS_MAX_AGE_SECONDS = 600;

/**
 * `origins` are normalised origins (config's readOriginList). Empty: the middleware does nothing.
 *
 * A preflight from an origin not listed is answered 204 without any CORS header rather than 403:
 * the browser then blocks the call and its console says exactly why ("No
 * 'Access-Control-Allow-Origin' header"), whereas a 403 only reports a failed preflight status;
 * and either way nothing of the API runs for it.
 */
export function cors(origins: readonly string[]): RequestHandler {
  const allowed = new Set(origins);
  return (req, res, next) => {
    const origin = req.headers.origin;
    // Not a browser's cross-origin call (or CORS not configured): exactly as before.
    if (allowed.size === 0 || typeof origin !== 'string') {
      next();
      return;
    }
    // The answer depends on Origin: no cache may hand one origin's answer to another.
    res.vary('Origin');
    const isPreflight = req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined;
    if (!allowed.has(origin)) {
      if (isPreflight) res.status(204).end();
      else next();
      return;
    }
    res.setHeader('Access-Control-Allow-Origin', origin);
    if (isPreflight) {
      res.setHeader('Access-Control-Allow-Methods', CORS_ALLOW_METHODS);
      res.setHeader('Access-Control-Allow-Headers', CORS_ALLOW_HEADERS);
      res.setHeader('Access-Control-Max-Age', String(CORS_MAX_AGE_SECONDS));
      res.status(204).end();
      return;
    }
    res.setHeader('Access-Control-Expose-Headers', CORS_EXPOSE_HEADERS);
    next();
  };
}
