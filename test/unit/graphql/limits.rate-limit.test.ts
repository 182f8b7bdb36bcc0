/**
 * The in-memory rate limiter (src/graphql/rate-limit): token buckets per API key and class,
 * one token per top-level field, all or nothing, with a retry hint.
 */
import { rateLimitHeaderValues } from '../../../src/graphql/rate-limit/rate-limit-headers';
import { DEFAULT_RATE_LIMITS, RateLimiter, rateLimitedError, type RateDecision } from '../../../src/graphql/rate-limit/rate-limiter';

function clock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

const refused = (decision: RateDecision) => {
  if (decision.allowed) throw new Error('expected a refusal');
  return decision;
};

describe('RateLimiter', () => {
  it('lets a key burst a minute\'s allowance, then refills continuously', () => {
    const time = clock();
    const limiter = new RateLimiter({ perMinute: 6, initiatePerMinute: 0, refundPerMinute: 0 }, time.now);
    for (let i = 0; i < 6; i += 1) expect(limiter.take('key_a', ['payment']).allowed).toBe(true);
    const refusal = refused(limiter.take('key_a', ['payment']));
    expect(refusal).toMatchObject({ rateClass: 'all', perMinute: 6, retryAfterSeconds: 10, neverFits: false });
    time.advance(9_999);
    expect(limiter.take('key_a', ['payment']).allowed).toBe(false);
    time.advance(1);
    expect(limiter.take('key_a', ['payment']).allowed).toBe(true);
    expect(limiter.take('key_a', ['payment']).allowed).toBe(false);
    time.advance(60_000 * 10);
    for (let i = 0; i < 6; i += 1) expect(limiter.take('key_a', ['payment']).allowed).toBe(true);
    expect(limiter.take('key_a', ['payment']).allowed).toBe(false);
  });

  it('keeps keys apart', () => {
    const limiter = new RateLimiter({ perMinute: 1, initiatePerMinute: 0, refundPerMinute: 0 }, clock().now);
    expect(limiter.take('key_a', ['banks']).allowed).toBe(true);
    expect(limiter.take('key_a', ['banks']).allowed).toBe(false);
    expect(limiter.take('key_b', ['banks']).allowed).toBe(true);
  });

  it('charges every top-level field, so aliases cannot dodge it, and takes all or nothing', () => {
    const limiter = new RateLimiter({ perMinute: 5, initiatePerMinute: 0, refundPerMinute: 0 }, clock().now);
    expect(limiter.take('key_a', ['payment', 'payment', 'payment']).allowed).toBe(true);
    // 2 left: an operation of 3 fields is refused whole and takes nothing...
    expect(limiter.take('key_a', ['payment', 'payment', 'payment']).allowed).toBe(false);
    // ...so 2 single fields still pass.
    expect(limiter.take('key_a', ['payment']).allowed).toBe(true);
    expect(limiter.take('key_a', ['payment']).allowed).toBe(true);
    expect(limiter.take('key_a', ['payment']).allowed).toBe(false);
  });

  it('gives initiatePayment and refund stricter buckets of their own, on top of the general one', () => {
    const limiter = new RateLimiter({ perMinute: 100, initiatePerMinute: 2, refundPerMinute: 1 }, clock().now);
    expect(limiter.take('key_a', ['initiatePayment']).allowed).toBe(true);
    expect(limiter.take('key_a', ['initiatePayment']).allowed).toBe(true);
    expect(refused(limiter.take('key_a', ['initiatePayment']))).toMatchObject({ rateClass: 'initiate', perMinute: 2, retryAfterSeconds: 30 });
    expect(limiter.take('key_a', ['verifyPayment', 'payment']).allowed).toBe(true);
    expect(limiter.take('key_a', ['refund']).allowed).toBe(true);
    expect(refused(limiter.take('key_a', ['refund']))).toMatchObject({ rateClass: 'refund', retryAfterSeconds: 60 });
  });

  it('says when an operation alone asks for more than a bucket ever holds', () => {
    const limiter = new RateLimiter({ perMinute: 100, initiatePerMinute: 2, refundPerMinute: 1 }, clock().now);
    const refusal = refused(limiter.take('key_a', ['initiatePayment', 'initiatePayment', 'initiatePayment']));
    expect(refusal).toMatchObject({ rateClass: 'initiate', neverFits: true });
    expect(rateLimitedError(refusal).message).toBe(
      'This operation alone exceeds the rate limit for this API key (at most 2 initiatePayment a minute); nothing was run. Send fewer at once.',
    );
    // nothing was taken
    expect(limiter.take('key_a', ['initiatePayment', 'initiatePayment']).allowed).toBe(true);
  });

  it('turns a limit off with 0', () => {
    const limiter = new RateLimiter({ perMinute: 0, initiatePerMinute: 0, refundPerMinute: 1 }, clock().now);
    for (let i = 0; i < 1000; i += 1) expect(limiter.take('key_a', ['initiatePayment', 'payment']).allowed).toBe(true);
    expect(limiter.take('key_a', ['refund']).allowed).toBe(true);
    expect(limiter.take('key_a', ['refund']).allowed).toBe(false);
  });

  it('answers RATE_LIMITED with a retry hint', () => {
    const error = rateLimitedError({ allowed: false, rateClass: 'refund', perMinute: 60, retryAfterSeconds: 4, neverFits: false });
    expect(error.extensions).toEqual({ code: 'RATE_LIMITED', retryAfterSeconds: 4 });
    expect(error.message).toBe('Rate limit reached for this API key: at most 60 refund a minute. Nothing was run; retry in 4 s.');
  });

  it('has stricter defaults for initiate and refund than for the rest', () => {
    expect(DEFAULT_RATE_LIMITS.initiatePerMinute).toBeLessThan(DEFAULT_RATE_LIMITS.perMinute);
    expect(DEFAULT_RATE_LIMITS.refundPerMinute).toBeLessThan(DEFAULT_RATE_LIMITS.initiatePerMinute);
  });
});

describe('RateLimiter.peek and the RateLimit headers', () => {
  it('reads the buckets without taking from them, full when never used, and leaves out limits that are off', () => {
    const time = clock();
    const limiter = new RateLimiter({ perMinute: 60, initiatePerMinute: 6, refundPerMinute: 0 }, time.now);
    expect(limiter.peek('key_a', ['all', 'initiate', 'refund'])).toEqual([
      { rateClass: 'all', perMinute: 60, remaining: 60, secondsUntilFull: 0 },
      { rateClass: 'initiate', perMinute: 6, remaining: 6, secondsUntilFull: 0 },
    ]);
    expect(limiter.take('key_a', ['initiatePayment', 'payment', 'banks']).allowed).toBe(true);
    const after = limiter.peek('key_a', ['all', 'initiate']);
    expect(limiter.peek('key_a', ['all', 'initiate'])).toEqual(after);
    // 60 a minute: three tokens come back in 3 s; 6 a minute: one in 10 s.
    expect(after).toEqual([
      { rateClass: 'all', perMinute: 60, remaining: 57, secondsUntilFull: 3 },
      { rateClass: 'initiate', perMinute: 6, remaining: 5, secondsUntilFull: 10 },
    ]);
    time.advance(1_500);
    expect(limiter.peek('key_a', ['all'])).toEqual([{ rateClass: 'all', perMinute: 60, remaining: 58, secondsUntilFull: 2 }]);
    expect(limiter.peek('key_b', ['all'])[0]!.remaining).toBe(60);
  });

  it('formats them as the draft\'s structured-field lists, and nothing when every limit is off', () => {
    expect(
      rateLimitHeaderValues([
        { rateClass: 'all', perMinute: 600, remaining: 597, secondsUntilFull: 1 },
        { rateClass: 'refund', perMinute: 60, remaining: 0, secondsUntilFull: 60 },
      ]),
    ).toEqual({ policy: '"per-key";q=600;w=60, "refund";q=60;w=60', limit: '"per-key";r=597;t=1, "refund";r=0;t=60' });
    expect(rateLimitHeaderValues([])).toBeNull();
    expect(new RateLimiter({ perMinute: 0, initiatePerMinute: 0, refundPerMinute: 0 }).peek('key_a', ['all', 'initiate'])).toEqual([]);
  });
});
