/**
 * Per-API-key rate limits, in memory: a token bucket per (key id, class). Every top-level field
 * an operation selects (each alias counts: it is one more resolver run) takes one token from the
 * key's general bucket; `initiatePayment` and `refund` also take one from a stricter bucket of
 * their own. An operation takes all its tokens or none, before any resolver runs; one that cannot
 * is answered with RATE_LIMITED and how long to wait.
 *
 * A bucket holds `perMinute` tokens and refills continuously at `perMinute` a minute, so a key may
 * burst up to a minute's allowance and then goes at the steady rate. 0 turns a limit off.
 *
 * A caller is a server or admin key by itself, and a client key together with the client's
 * address (rateSubject): the client key ships in every buyer's app, so one holder of it must not
 * be able to spend every buyer's allowance.
 *
 * RateLimiter here keeps its buckets in this process; with REDIS_URL, RedisRateLimiter
 * (redis-rate-limiter.ts) keeps the same buckets, with the same rules, in Redis for every instance.
 */
import { GraphQLError } from 'graphql';
import type { Caller } from '../api-keys';
import { addressKey } from './client-address';

export interface RateLimits {
  /** Top-level fields per key per minute, all operations (RATE_LIMIT_PER_MINUTE). */
  perMinute: number;
  /** initiatePayment calls per key per minute (RATE_LIMIT_INITIATE_PER_MINUTE). */
  initiatePerMinute: number;
  /** refund calls per key per minute (RATE_LIMIT_REFUND_PER_MINUTE). */
  refundPerMinute: number;
}

/**
 * Defaults: generous for an app's normal traffic (10 fields a second sustained, 600 at once), and
 * tighter where a call reaches Khalti and writes: initiate 120 a minute, refund (admin, back office,
 * money leaving) 60 a minute. A leaked key can do only so much before an operator notices.
 */
export const DEFAULT_RATE_LIMITS: Readonly<RateLimits> = Object.freeze({
  perMinute: 600,
  initiatePerMinute: 120,
  refundPerMinute: 60,
});

export type RateClass = 'all' | 'initiate' | 'refund';

/** Root fields with a stricter bucket of their own, besides the general one. */
export const STRICT_FIELDS: Readonly<Record<string, RateClass>> = Object.freeze({
  initiatePayment: 'initiate',
  refund: 'refund',
});

const CLASS_LABEL: Record<RateClass, string> = { all: 'top-level fields', initiate: 'initiatePayment', refund: 'refund' };

export interface RateRefusal {
  allowed: false;
  rateClass: RateClass;
  perMinute: number;
  retryAfterSeconds: number;
  /** The operation alone asks for more than the bucket ever holds: it can never pass as it is. */
  neverFits: boolean;
}

export type RateDecision = { allowed: true } | RateRefusal;

/** Exported for the per-address limit of GET /khalti/return (src/http/address-rate-limiter.ts). */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(
    readonly capacity: number,
    private readonly perMs: number,
    now: number,
  ) {
    this.tokens = capacity;
    this.updatedAt = now;
  }

  available(now: number): number {
    if (now > this.updatedAt) {
      this.tokens = Math.min(this.capacity, this.tokens + (now - this.updatedAt) * this.perMs);
      this.updatedAt = now;
    }
    return this.tokens;
  }

  /** Milliseconds until `count` tokens are there (Infinity if the bucket can never hold them). */
  waitMs(count: number, now: number): number {
    if (count > this.capacity) return Infinity;
    return Math.max(0, (count - this.available(now)) / this.perMs);
  }

  take(count: number): void {
    this.tokens -= count;
  }

  /** Milliseconds until the bucket is full again (0 when it is). */
  msUntilFull(now: number): number {
    return (this.capacity - this.available(now)) / this.perMs;
  }
}

/** One bucket as a client may see it (rate-limit-headers.ts): nothing is taken by reading it. */
export interface RateState {
  rateClass: RateClass;
  /** Tokens the bucket holds when full, and refills in a minute. */
  perMinute: number;
  /** Whole tokens left now. */
  remaining: number;
  /** Seconds until the bucket is full again. */
  secondsUntilFull: number;
}

/** What the operation guard needs of a limiter: RateLimiter (this process) or RedisRateLimiter (shared). */
export interface RateLimiting {
  /** Takes one token per top-level field for `caller`, all or nothing. */
  take(caller: string, rootFields: readonly string[]): RateDecision | Promise<RateDecision>;
  /** The buckets of `classes` as they are, nothing taken; limits that are off are left out. */
  peek(caller: string, classes: Iterable<RateClass>): RateState[] | Promise<RateState[]>;
}

/**
 * The name a caller's buckets go by: the key id for server and admin keys; for a client key, the
 * key id and the client's address (IPv6 by /64, as addressKey counts it).
 */
export function rateSubject(caller: Pick<Caller, 'role' | 'keyId'>, clientAddress: string | undefined): string {
  return caller.role === 'client' ? `${caller.keyId}@${addressKey(clientAddress)}` : caller.keyId;
}

/** The limit of a bucket class, a minute (0: off). */
export function perMinuteOf(limits: RateLimits, rateClass: RateClass): number {
  if (rateClass === 'initiate') return limits.initiatePerMinute;
  if (rateClass === 'refund') return limits.refundPerMinute;
  return limits.perMinute;
}

/**
 * The refusal for an operation given each bucket's wait for the tokens it needs (ms; Infinity:
 * more than it ever holds), or null when none has to wait. The longest wait is the one reported.
 */
export function refusalOf(waits: readonly { rateClass: RateClass; perMinute: number; waitMs: number }[]): RateRefusal | null {
  let refusal: RateRefusal | null = null;
  for (const { rateClass, perMinute, waitMs } of waits) {
    if (!(waitMs > 0)) continue;
    const neverFits = !Number.isFinite(waitMs);
    const retryAfterSeconds = neverFits ? 60 : Math.max(1, Math.ceil(waitMs / 1000));
    if (!refusal || retryAfterSeconds > refusal.retryAfterSeconds) {
      refusal = { allowed: false, rateClass, perMinute, retryAfterSeconds, neverFits };
    }
  }
  return refusal;
}

export class RateLimiter implements RateLimiting {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(
    private readonly limits: RateLimits,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Takes one token per top-level field (by field name, one entry per response key) for `caller`,
   * all or nothing.
   */
  take(caller: string, rootFields: readonly string[]): RateDecision {
    const needs = needsOf(rootFields);
    const now = this.now();
    const claimed: [TokenBucket, number][] = [];
    const waits: { rateClass: RateClass; perMinute: number; waitMs: number }[] = [];
    for (const [rateClass, count] of needs) {
      const perMinute = this.perMinute(rateClass);
      if (perMinute <= 0) continue;
      const bucket = this.bucket(caller, rateClass, perMinute, now);
      const waitMs = bucket.waitMs(count, now);
      waits.push({ rateClass, perMinute, waitMs });
      if (waitMs <= 0) claimed.push([bucket, count]);
    }
    const refusal = refusalOf(waits);
    if (refusal) return refusal;
    for (const [bucket, count] of claimed) bucket.take(count);
    return { allowed: true };
  }

  /**
   * The buckets of `classes` for `caller` as they are now, without taking anything; limits that
   * are off (0) are left out. A bucket never used is full (and is not created by reading it).
   */
  peek(caller: string, classes: Iterable<RateClass>): RateState[] {
    const now = this.now();
    const states: RateState[] = [];
    for (const rateClass of new Set(classes)) {
      const perMinute = this.perMinute(rateClass);
      if (perMinute <= 0) continue;
      const bucket = this.buckets.get(bucketKey(rateClass, caller));
      const remaining = bucket ? Math.max(0, Math.floor(bucket.available(now))) : perMinute;
      const secondsUntilFull = bucket ? Math.ceil(bucket.msUntilFull(now) / 1000) : 0;
      states.push({ rateClass, perMinute, remaining, secondsUntilFull });
    }
    return states;
  }

  private perMinute(rateClass: RateClass): number {
    return perMinuteOf(this.limits, rateClass);
  }

  private bucket(caller: string, rateClass: RateClass, perMinute: number, now: number): TokenBucket {
    const key = bucketKey(rateClass, caller);
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = new TokenBucket(perMinute, perMinute / 60_000, now);
      this.buckets.set(key, bucket);
    }
    return bucket;
  }
}

function bucketKey(rateClass: RateClass, caller: string): string {
  return `${rateClass}\u0000${caller}`;
}

/** Tokens an operation needs from each bucket: one per top-level field, plus the strict ones. */
export function needsOf(rootFields: readonly string[]): Map<RateClass, number> {
  const needs = new Map<RateClass, number>();
  const add = (rateClass: RateClass) => needs.set(rateClass, (needs.get(rateClass) ?? 0) + 1);
  for (const field of rootFields) {
    add('all');
    const strict = STRICT_FIELDS[field];
    if (strict) add(strict);
  }
  return needs;
}

/** The buckets an operation with these top-level fields draws on: the general one, then any strict ones. */
export function rateClassesOf(rootFields: readonly string[]): RateClass[] {
  return [...needsOf(rootFields).keys()];
}

export function rateLimitedError(decision: RateRefusal): GraphQLError {
  const limit = `at most ${decision.perMinute} ${CLASS_LABEL[decision.rateClass]} a minute`;
  return new GraphQLError(
    decision.neverFits
      ? `This operation alone exceeds the rate limit for this API key (${limit}); nothing was run. Send fewer at once.`
      : `Rate limit reached for this API key: ${limit}. Nothing was run; retry in ${decision.retryAfterSeconds} s.`,
    { extensions: { code: 'RATE_LIMITED', retryAfterSeconds: decision.retryAfterSeconds } },
  );
}
