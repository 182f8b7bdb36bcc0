/**
 * RedisRateLimiter against a real Redis: the same decisions as the in-process RateLimiter (all or
 * nothing per operation, the longest wait reported, "never fits"), one budget for several limiters
 * (instances) under concurrency, and the per-instance fallback while Redis is away.
 */
import { Redis } from 'ioredis';
import { RateLimiter, type RateDecision, type RateLimits } from '../../../src/graphql/rate-limit/rate-limiter';
import { RedisRateLimiter } from '../../../src/graphql/rate-limit/redis-rate-limiter';
import { deleteKeys, keysUnder, ownRedis, runPrefix, SHARED_REDIS_URL, type OwnRedis } from './redis-servers';

const prefix = runPrefix('limiter');
const limiters: RedisRateLimiter[] = [];

function redisLimiter(limits: RateLimits, url = SHARED_REDIS_URL, lines: string[] = [], fallbacks: boolean[] = []): RedisRateLimiter {
  const limiter = new RedisRateLimiter({ url, keyPrefix: prefix, limits, log: (line) => lines.push(line), onFallback: (on) => fallbacks.push(on) });
  limiters.push(limiter);
  return limiter;
}

async function waitUntil(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; !condition(); i += 1) {
    if (i > 1000) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const allowed = (decision: RateDecision) => decision.allowed;

async function pttl(key: string): Promise<number> {
  const client = new Redis(SHARED_REDIS_URL, { lazyConnect: true });
  await client.connect();
  try {
    return await client.pttl(key);
  } finally {
    client.disconnect();
  }
}

afterAll(async () => {
  await Promise.all(limiters.map((limiter) => limiter.close()));
  await deleteKeys(SHARED_REDIS_URL, prefix);
});

describe('RedisRateLimiter, the same rules as the in-process limiter', () => {
  // 6 a minute refills 0.1 token a second: nothing comes back within a test's few milliseconds.
  const limits = { perMinute: 6, initiatePerMinute: 2, refundPerMinute: 1 };
  const script: string[][] = [
    ['initiatePayment'],
    ['checkoutConfig', 'checkoutConfig'],
    ['initiatePayment', 'initiatePayment'], // initiate has 1 left: refused whole, the general bucket untouched
    ['checkoutConfig', 'checkoutConfig', 'checkoutConfig'],
    ['refund', 'refund'], // more than the refund bucket ever holds
    ['initiatePayment'],
    ['checkoutConfig'], // the general bucket is empty now
    ['payment'],
  ];

  it('gives the decisions, remaining tokens and refusals the in-process limiter gives', async () => {
    const shared = redisLimiter(limits);
    await shared.connect();
    expect(shared.shared).toBe(true);
    const memory = new RateLimiter(limits);
    for (const fields of script) {
      const [fromRedis, fromMemory] = [await shared.take('parity', fields), memory.take('parity', fields)];
      expect(fromRedis).toEqual(fromMemory);
      const [peekRedis, peekMemory] = [await shared.peek('parity', ['all', 'initiate', 'refund']), memory.peek('parity', ['all', 'initiate', 'refund'])];
      expect(peekRedis.map((s) => [s.rateClass, s.perMinute, s.remaining])).toEqual(peekMemory.map((s) => [s.rateClass, s.perMinute, s.remaining]));
      for (const [i, state] of peekRedis.entries()) expect(Math.abs(state.secondsUntilFull - peekMemory[i]!.secondsUntilFull)).toBeLessThanOrEqual(1);
    }
    const last = await shared.take('parity', ['checkoutConfig']);
    expect(last).toMatchObject({ allowed: false, rateClass: 'all', perMinute: 6, neverFits: false });
  });

  it('refills continuously, with Retry-After the wait for the missing tokens', async () => {
    const limiter = redisLimiter({ perMinute: 60, initiatePerMinute: 0, refundPerMinute: 0 });
    await limiter.connect();
    const sixty = Array<string>(60).fill('checkoutConfig');
    expect(await limiter.take('refill', sixty)).toEqual({ allowed: true });
    // One token a second comes back: the next field waits at most a second.
    const refused = await limiter.take('refill', ['checkoutConfig', 'checkoutConfig']);
    expect(refused).toMatchObject({ allowed: false, retryAfterSeconds: 2 });
    const [state] = await limiter.peek('refill', ['all']);
    expect(state).toMatchObject({ rateClass: 'all', perMinute: 60, remaining: 0 });
    expect(state!.secondsUntilFull).toBeGreaterThanOrEqual(59);
  });

  it('keeps callers apart, reads without creating anything, and lets idle buckets expire', async () => {
    const limiter = redisLimiter(limits);
    await limiter.connect();
    expect(await limiter.peek('never-used', ['all', 'initiate'])).toEqual([
      { rateClass: 'all', perMinute: 6, remaining: 6, secondsUntilFull: 0 },
      { rateClass: 'initiate', perMinute: 2, remaining: 2, secondsUntilFull: 0 },
    ]);
    expect(await keysUnder(SHARED_REDIS_URL, `${prefix}rl:{never-used}`)).toEqual([]);
    expect(await limiter.take('a', Array<string>(6).fill('payment'))).toEqual({ allowed: true });
    expect(allowed(await limiter.take('a', ['payment']))).toBe(false);
    expect(allowed(await limiter.take('b', ['payment']))).toBe(true);
    // Each bucket expires once it would be full again (6 tokens at 6 a minute: within 61 s).
    const keys = await keysUnder(SHARED_REDIS_URL, `${prefix}rl:{a}`);
    expect(keys).toEqual([`${prefix}rl:{a}:all`]);
    const ttl = await pttl(keys[0]!);
    expect(ttl).toBeGreaterThan(55_000);
    expect(ttl).toBeLessThanOrEqual(61_000);
  });
});

describe('several instances, one budget', () => {
  it('admits exactly the budget when two limiters race for it', async () => {
    const limits = { perMinute: 600, initiatePerMinute: 10, refundPerMinute: 0 };
    const [one, two] = [redisLimiter(limits), redisLimiter(limits)];
    await Promise.all([one.connect(), two.connect()]);
    const decisions = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? one : two).take('race', ['initiatePayment'])));
    expect(decisions.filter(allowed)).toHaveLength(10);
    // The general bucket lost only the admitted operations' tokens (600 - 10), not the refused ones'.
    const [general] = await one.peek('race', ['all']);
    expect(general!.remaining).toBe(590);
  });

  it('takes from all the buckets of an operation or from none, under concurrency', async () => {
    const limits = { perMinute: 12, initiatePerMinute: 600, refundPerMinute: 0 };
    const [one, two] = [redisLimiter(limits), redisLimiter(limits)];
    await Promise.all([one.connect(), two.connect()]);
    // Each operation needs 5 general tokens: only two of them fit in 12, whatever the interleaving.
    const operation = ['initiatePayment', 'initiatePayment', 'initiatePayment', 'checkoutConfig', 'checkoutConfig'];
    const decisions = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? one : two).take('whole', operation)));
    expect(decisions.filter(allowed)).toHaveLength(2);
    const states = await one.peek('whole', ['all', 'initiate']);
    expect(states.map((s) => s.remaining)).toEqual([2, 594]);
  });
});

describe('while Redis is unreachable', () => {
  let redis: OwnRedis;
  beforeAll(async () => {
    redis = await ownRedis();
  });
  afterAll(() => redis.stop());

  it('counts in this process, says so once, and goes back to Redis when it returns', async () => {
    const lines: string[] = [];
    const fallbacks: boolean[] = [];
    const limits = { perMinute: 600, initiatePerMinute: 3, refundPerMinute: 0 };
    const limiter = redisLimiter(limits, redis.url, lines, fallbacks);
    await limiter.connect();
    expect(await limiter.take('k', ['initiatePayment', 'initiatePayment'])).toEqual({ allowed: true });
    expect(limiter.shared).toBe(true);

    redis.stop();
    await waitUntil(() => fallbacks.length === 1, 'the fallback to start');
    expect(limiter.shared).toBe(false);
    // The fallback limits too: a fresh in-process bucket of 3.
    const during = [];
    for (let i = 0; i < 5; i += 1) during.push(await limiter.take('k', ['initiatePayment']));
    expect(during.map(allowed)).toEqual([true, true, true, false, false]);
    expect((await limiter.peek('k', ['initiate']))[0]!.remaining).toBe(0);
    expect(lines.filter((line) => /Redis unreachable/.test(line))).toHaveLength(1);
    expect(lines.join('\n')).not.toMatch(/redis:\/\//);

    await redis.start();
    await waitUntil(() => fallbacks.length === 2, 'Redis to be used again');
    expect(fallbacks).toEqual([true, false]);
    expect(lines.filter((line) => /Redis reachable again/.test(line))).toHaveLength(1);
    expect(limiter.shared).toBe(true);
    // Counted in Redis again (a server started afresh: nothing kept, so a full bucket).
    expect(await limiter.take('k', ['initiatePayment', 'initiatePayment', 'initiatePayment'])).toEqual({ allowed: true });
    expect(allowed(await limiter.take('k', ['initiatePayment']))).toBe(false);
  });

  it('starts in the fallback when Redis is not there at all', async () => {
    const lines: string[] = [];
    const fallbacks: boolean[] = [];
    const limiter = redisLimiter({ perMinute: 2, initiatePerMinute: 0, refundPerMinute: 0 }, 'redis://127.0.0.1:1', lines, fallbacks);
    await limiter.connect();
    expect(fallbacks).toEqual([true]);
    expect((await Promise.all([1, 2, 3].map(() => limiter.take('k', ['payment'])))).map(allowed)).toEqual([true, true, false]);
    expect(lines.filter((line) => /Redis unreachable/.test(line))).toHaveLength(1);
  });
});
