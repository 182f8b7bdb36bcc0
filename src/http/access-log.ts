/**
 * One access line per HTTP request (method, path, status, duration, reqId, keyId), and the
 * request's reqId / keyId attached to every line written while it is served. The path is logged
 * without its query string: the return route's query carries what Khalti says about the buyer.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { RequestHandler } from 'express';
import { withLogContext, type Log } from '../logger';

/** A caller's own X-Request-Id is kept when it is a plain token (so it cannot forge log fields). */
const CALLER_REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;
const MAX_PATH_CHARS = 200;

export function accessLog(log: Log, keyIdOf: (req: IncomingMessage) => string | undefined): RequestHandler {
  return (req, res, next) => {
    const offered = req.headers['x-request-id'];
    const reqId = typeof offered === 'string' && CALLER_REQUEST_ID.test(offered) ? offered : randomUUID();
    const keyId = keyIdOf(req);
    const started = performance.now();
    res.setHeader('X-Request-Id', reqId);
    let logged = false;
    const done = () => {
      if (logged) return;
      logged = true;
      log('request', {
        reqId,
        ...(keyId ? { keyId } : {}),
        method: req.method,
        path: pathOf(req.originalUrl ?? req.url ?? ''),
        status: res.statusCode,
        durationMs: Math.round((performance.now() - started) * 1000) / 1000,
        // A client that went away before the answer was written.
        ...(res.writableFinished ? {} : { aborted: true }),
      });
    };
    res.once('finish', done);
    res.once('close', done);
    withLogContext({ reqId, ...(keyId ? { keyId } : {}) }, next);
  };
}

function pathOf(url: string): string {
  const path = url.split('?')[0]!.split('#')[0]!;
  return path.length > MAX_PATH_CHARS ? `${path.slice(0, MAX_PATH_CHARS)}…` : path;
}
