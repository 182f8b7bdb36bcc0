import { Router } from 'express';
import type { WriteProbe } from '../db/database';

export interface Readiness {
  /** True once shutdown has begun: load balancers must stop sending new requests. */
  shuttingDown(): boolean;
  /** Whether the database accepts a write now (a short probe that never holds the event loop). */
  databaseWritable(): Promise<WriteProbe>;
  /**
   * With REDIS_URL: whether the rate limits are counted in Redis now. Reported in the body only:
   * while Redis is unreachable each instance still limits on its own (the fallback), and every
   * instance shares the one Redis, so failing readiness would take them all out at once.
   */
  rateLimitsShared?(): boolean;
}

const DATABASE_MESSAGES: Record<Exclude<WriteProbe, { ok: true }>['reason'], string> = {
  locked: 'another connection holds the database write lock',
  'read-only': 'the database is read-only',
  unavailable: 'the database does not accept writes',
};

/**
 * While another connection holds the write lock each probe waits out its short lock timeout
 * (on timers), and /readyz is unauthenticated: a "locked" answer is reused for this long, so a
 * flood of probes costs at most one such wait a second and answers at once.
 */
export const LOCKED_ANSWER_REUSE_MS = 1000;

/** Wraps a write probe so that a "locked" result is reused for LOCKED_ANSWER_REUSE_MS. */
export function reuseLockedAnswer(probe: () => Promise<WriteProbe>, now: () => number): () => Promise<WriteProbe> {
  let locked: { at: number; result: WriteProbe } | null = null;
  return async () => {
    if (locked && now() - locked.at < LOCKED_ANSWER_REUSE_MS) return locked.result;
    const result = await probe();
    locked = !result.ok && result.reason === 'locked' ? { at: now(), result } : null;
    return result;
  };
}

/**
 * /healthz: the process is up (liveness; stays 200 while shutting down, so nothing kills a
 * draining process). /readyz: this instance should get traffic: not shutting down, and the
 * database accepts writes. With REDIS_URL the body also says whether Redis counts the rate limits
 * (`redis`: ok or unreachable), without changing the status (see rateLimitsShared). 503 bodies carry a stable `reason` and a sentence; never a path.
 */
export function healthRouter(readiness: Readiness): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    if (readiness.shuttingDown()) {
      res.status(503).json({ status: 'unavailable', reason: 'shutting_down', message: 'the gateway is shutting down; requests in flight are finishing' });
      return;
    }
    const probe = await readiness.databaseWritable();
    const redis = readiness.rateLimitsShared ? { redis: readiness.rateLimitsShared() ? 'ok' : 'unreachable' } : {};
    if (probe.ok) {
      res.json({
        status: 'ready',
        ...redis,
        ...(redis.redis === 'unreachable' ? { message: 'Redis is unreachable: this instance counts the rate limits on its own until it is back' } : {}),
      });
      return;
    }
    const reason = `database_${probe.reason.replace('-', '_')}`;
    const message = probe.code ? `${DATABASE_MESSAGES[probe.reason]} (${probe.code})` : DATABASE_MESSAGES[probe.reason];
    res.status(503).json({ status: 'unavailable', reason, message, ...redis });
  });
  return router;
}
