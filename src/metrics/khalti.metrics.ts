/**
 * Calls to Khalti, from the client's per-call hook (one event per HTTP attempt, retries included).
 * The outcome is a small closed set so that no answer from Khalti can invent a label value.
 */
import { Counter, Histogram, type Registry } from 'prom-client';
import type { KhaltiCallEvent, KhaltiCallHook } from '../khalti/khalti.types';

export const KHALTI_OUTCOMES = ['ok', 'http_4xx', 'http_5xx', 'unavailable', 'bad_response'] as const;
export type KhaltiOutcome = (typeof KHALTI_OUTCOMES)[number];

/**
 * ok: an answer the client used (a claimed 4xx lookup body included); http_4xx / http_5xx: an error
 * status; unavailable: no answer (connect error, timeout, reset); bad_response: a 2xx (or 3xx) the
 * client could not read.
 */
export function khaltiOutcome(event: Pick<KhaltiCallEvent, 'error' | 'httpStatus'>): KhaltiOutcome {
  if (!event.error) return 'ok';
  const status = event.httpStatus;
  if (status === undefined) return 'unavailable';
  if (status >= 500) return 'http_5xx';
  if (status >= 400) return 'http_4xx';
  return 'bad_response';
}

export function khaltiMetrics(registry: Registry): KhaltiCallHook {
  const requests = new Counter({
    name: 'khalti_requests_total',
    help: 'HTTP attempts to Khalti (each retry counts), by operation and outcome.',
    labelNames: ['operation', 'outcome'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'khalti_request_duration_seconds',
    help: 'Duration of one HTTP attempt to Khalti, connect to last byte.',
    labelNames: ['operation'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30],
    registers: [registry],
  });
  return (event) => {
    requests.inc({ operation: event.operation, outcome: khaltiOutcome(event) });
    duration.observe({ operation: event.operation }, event.durationMs / 1000);
  };
}
