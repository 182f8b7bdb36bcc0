/** The shared rate limits' state: whether this instance is counting alone while Redis is unreachable. */
import { Counter, Gauge, type Registry } from 'prom-client';

export interface RateLimitMetrics {
  /** True when the in-process fallback starts (Redis unreachable), false when Redis is back. */
  fallback(on: boolean): void;
}

export function rateLimitMetrics(registry: Registry): RateLimitMetrics {
  const gauge = new Gauge({
    name: 'gateway_rate_limit_fallback',
    help: '1 while REDIS_URL is set and Redis is unreachable, so this instance counts the rate limits alone; 0 otherwise.',
    registers: [registry],
  });
  const started = new Counter({
    name: 'gateway_rate_limit_fallbacks_total',
    help: 'Times this instance lost Redis and started counting the rate limits alone.',
    registers: [registry],
  });
  gauge.set(0);
  return {
    fallback(on) {
      gauge.set(on ? 1 : 0);
      if (on) started.inc();
    },
  };
}
