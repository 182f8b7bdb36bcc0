/**
 * GET /metrics in Prometheus's text format. With METRICS_TOKEN set, only `Authorization: Bearer
 * <token>` is answered (compared in constant time); without it the route is open, for a scraper on
 * a private network.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { Router } from 'express';
import type { Registry } from 'prom-client';

export const METRICS_PATH = '/metrics';

export function metricsRouter(registry: Registry, token: string | undefined): Router {
  const router = Router();
  const expected = token === undefined ? null : digest(token);
  router.get(METRICS_PATH, async (req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    if (expected && !bearerMatches(req.headers.authorization, expected)) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="metrics"');
      res.status(401).type('text/plain').send('METRICS_TOKEN required: send Authorization: Bearer <token>.\n');
      return;
    }
    try {
      const body = await registry.metrics();
      res.type(registry.contentType).send(body);
    } catch (error) {
      next(error);
    }
  });
  return router;
}

/** Fixed-length digests, so neither the comparison nor an early length check reveals the token. */
function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

function bearerMatches(header: string | undefined, expected: Buffer): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return timingSafeEqual(digest(match?.[1] ?? ''), expected);
}
