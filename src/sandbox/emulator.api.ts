/**
 * Khalti's API over HTTP, at Khalti's paths. Every endpoint runs the same pipeline, in the order
 * Khalti's stack would: the request is logged; an injected fault may answer first (a proxy or a
 * crash in front of the application); then authentication, then the body, then the handler; an
 * 'after' fault breaks the answer of a request that did take effect.
 */
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { setTimeout as delay } from 'node:timers/promises';
import { bankByShortName } from './banks.fixture';
import { checkAuthorization } from './emulator.auth';
import { detailError } from './emulator.drf';
import { applyFault, clientGone, sendResult, standInResult, type FaultRegistry } from './emulator.faults';
import * as handlers from './emulator.handlers';
import type { RequestLog } from './emulator.requests';
import type { ApiResult, ApiRouteName } from './emulator.types';

export interface ApiDeps {
  ctx: handlers.HandlerContext;
  secretKey: string;
  faults: FaultRegistry;
  log: RequestLog;
}

interface Endpoint {
  route: ApiRouteName;
  method: 'GET' | 'POST';
  path: string;
  auth: boolean;
  handle: (req: Request) => ApiResult;
}

export function createApiRouter(deps: ApiDeps): express.Router {
  const { ctx } = deps;
  const endpoints: Endpoint[] = [
    {
      route: 'initiate',
      method: 'POST',
      path: '/api/v2/epayment/initiate/',
      auth: true,
      handle: (req) => handlers.initiate(ctx, req.body ?? {}),
    },
    {
      route: 'lookup',
      method: 'POST',
      path: '/api/v2/epayment/lookup/',
      auth: true,
      handle: (req) => handlers.lookup(ctx, req.body ?? {}),
    },
    {
      route: 'refund',
      method: 'POST',
      path: '/api/merchant-transaction/:transactionId/refund/',
      auth: true,
      handle: (req) => handlers.refund(ctx, String(req.params.transactionId), req.body),
    },
    {
      route: 'banks',
      method: 'GET',
      path: '/api/v5/bank/',
      auth: false,
      handle: (req) => handlers.bankList(ctx, flatQuery(req)),
    },
    {
      route: 'status',
      method: 'GET',
      path: '/api/v2/payment/status/',
      auth: true,
      handle: (req) => handlers.legacyStatus(ctx, flatQuery(req)),
    },
  ];

  // Strict: Khalti's paths end in "/", and a client that drops it should find out here.
  const router = express.Router({ strict: true });
  for (const endpoint of endpoints) {
    router.all(endpoint.path, readBody, pipeline(deps, endpoint));
    // Django's APPEND_SLASH: the path without its slash is a redirect, not the endpoint.
    router.all(endpoint.path.slice(0, -1), appendSlash);
  }
  router.get('/static/bank-logo/:file', bankLogo);
  router.all('/api/{*rest}', (_req, res) => djangoNotFound(res));
  return router;
}

// ---------------------------------------------------------------------------------------------

function pipeline(deps: ApiDeps, endpoint: Endpoint): RequestHandler {
  return async (req, res) => {
    const entry = deps.log.add({
      at: deps.ctx.store.now().toISOString(),
      method: req.method,
      path: req.path,
      route: endpoint.route,
      hasAuthorization: req.headers.authorization !== undefined,
      authorized: endpoint.auth ? false : null,
      query: flatQuery(req),
      ...(req.body !== undefined ? { body: req.body as unknown } : {}),
    });
    const fault = deps.faults.take(endpoint.route);
    if (fault) entry.fault = { id: fault.id, kind: fault.kind, phase: fault.phase };

    try {
      if (fault?.phase === 'before') {
        if (fault.kind !== 'latency') {
          entry.status = await applyFault(req, res, fault, standInResult(fault));
          return;
        }
        // Delay in front of the application. A client that gave up meanwhile is gone, and its
        // request is dropped unprocessed, as a proxy drops a request whose client disconnected.
        await delay(fault.ms ?? 1000, undefined, { ref: false });
        if (clientGone(req)) return;
      }

      let result: ApiResult;
      try {
        result = processRequest(deps, endpoint, req, res);
      } catch (err) {
        console.error('khalti emulator: handler failed', err);
        result = { status: 500, body: { detail: 'A server error occurred.' } };
      }
      if (endpoint.auth) entry.authorized = result.status !== 401;

      if (fault?.phase === 'after') {
        entry.status = await applyFault(req, res, fault, result);
      } else {
        sendResult(res, result);
        entry.status = result.status;
      }
    } catch (err) {
      // Writing to a socket the client already closed; nothing left to answer.
      if (!clientGone(req)) console.error('khalti emulator: could not answer', err);
    }
  };
}

/** Authentication first (DRF authenticates before it reads a body), then the body, then the handler. */
function processRequest(deps: ApiDeps, endpoint: Endpoint, req: Request, res: Response): ApiResult {
  if (endpoint.auth) {
    const auth = checkAuthorization(req.headers.authorization, deps.secretKey);
    if (!auth.ok) return auth.result;
  }
  if (req.method !== endpoint.method) {
    return {
      ...detailError(405, `Method "${req.method}" not allowed.`),
      headers: { Allow: `${endpoint.method}, OPTIONS` },
    };
  }
  const bodyError = res.locals.bodyError as { status?: number; message?: string; type?: string } | undefined;
  if (bodyError) {
    if (bodyError.type === 'entity.parse.failed') return detailError(400, `JSON parse error - ${bodyError.message}`);
    return detailError(bodyError.status ?? 400, bodyError.message ?? 'Malformed request.');
  }
  // A body without a content type reads as empty (Django does the same); a foreign type is refused.
  const contentType = req.headers['content-type'];
  if (endpoint.method === 'POST' && contentType && req.is(['json', 'urlencoded']) === false) {
    return detailError(415, `Unsupported media type "${req.headers['content-type']}" in request.`);
  }
  return endpoint.handle(req);
}

const jsonParser = express.json({ limit: '100kb' });
const formParser = express.urlencoded({ extended: false, limit: '100kb' });

/** Parses JSON or form bodies (DRF accepts both), remembering a parse error for processRequest. */
function readBody(req: Request, res: Response, next: NextFunction): void {
  jsonParser(req, res, (err?: unknown) => {
    if (err) {
      res.locals.bodyError = err;
      return next();
    }
    formParser(req, res, (err2?: unknown) => {
      if (err2) res.locals.bodyError = err2;
      next();
    });
  });
}

/** Query parameters as single strings; for repeated ones the last wins, as Django's QueryDict.get. */
function flatQuery(req: Request): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(req.query as Record<string, unknown>)) {
    const last = Array.isArray(value) ? value[value.length - 1] : value;
    if (typeof last === 'string') out[key] = last;
  }
  return out;
}

function appendSlash(req: Request, res: Response): void {
  const query = req.originalUrl.includes('?') ? req.originalUrl.slice(req.originalUrl.indexOf('?')) : '';
  const path = req.originalUrl.split('?')[0]!;
  res.redirect(301, `${path}/${query}`);
}

/** An unknown URL never reaches DRF at Khalti: Django answers with its plain HTML 404 page. */
function djangoNotFound(res: Response): void {
  res
    .status(404)
    .type('text/html; charset=utf-8')
    .send(
      '<!doctype html>\n<html lang="en">\n<head>\n  <title>Not Found</title>\n</head>\n<body>\n' +
        '  <h1>Not Found</h1><p>The requested resource was not found on this server.</p>\n</body>\n</html>\n',
    );
}

/** A generated logo per bank, so the bank list renders without reaching any other host. */
function bankLogo(req: Request, res: Response): void {
  const file = String(req.params.file);
  const bank = file.endsWith('.svg') ? bankByShortName(file.slice(0, -4)) : undefined;
  if (!bank) {
    djangoNotFound(res);
    return;
  }
  const label = bank.short_name.length > 5 ? bank.short_name.slice(0, 5) : bank.short_name;
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="96" height="96" viewBox="0 0 96 96">` +
    `<rect width="96" height="96" rx="16" fill="${bank.color}"/>` +
    `<text x="48" y="56" font-family="Helvetica, Arial, sans-serif" font-size="${label.length > 4 ? 18 : 24}" ` +
    `font-weight="700" fill="#fff" text-anchor="middle">${label}</text></svg>`;
  res.status(200).type('image/svg+xml').set('Cache-Control', 'public, max-age=86400').send(svg);
}
