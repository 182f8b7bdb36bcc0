import { Router } from 'express';

/** /healthz: the process is up. /readyz: the database answers. */
export function healthRouter(databaseAnswers: () => boolean): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.json({ status: 'ok' });
  });
  router.get('/readyz', (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    if (databaseAnswers()) res.json({ status: 'ready' });
    else res.status(503).json({ status: 'unavailable', reason: 'database' });
  });
  return router;
}
