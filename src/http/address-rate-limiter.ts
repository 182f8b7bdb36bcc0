/**
 * Requests a minute per client address, for GET /khalti/return: the one route anyone can call
 * without a key, and each call may cost a Khalti lookup. The same token bucket as the GraphQL
 * limits (a minute's allowance at once, refilling continuously), one per address.
 *
 * The address is the one graphql/rate-limit/client-address.ts finds: the TCP peer, or behind the
 * load balancers listed in TRUSTED_PROXIES the right-most X-Forwarded-For entry that is not one of
 * them (anyone can send that header, so it is read only from a trusted peer). IPv6 clients are
 * counted per /64, the block one subscriber usually holds, so walking through one's own addresses
 * gains nothing.
 *
 * Memory stays bounded by the addresses seen in about the last minute: a full bucket is the same
 * as no bucket, and full ones are dropped whenever the map has doubled since the last sweep.
 */
import { addressKey } from '../graphql/rate-limit/client-address';
import { TokenBucket } from '../graphql/rate-limit/rate-limiter';

export { addressKey };

export type AddressDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

const MIN_SWEEP_AT = 1024;

export class AddressRateLimiter {
  private readonly buckets = new Map<string, TokenBucket>();
  private sweepAt = MIN_SWEEP_AT;

  constructor(
    private readonly perMinute: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes one request's token for this address, or says how long to wait. 0 a minute: never limited. */
  take(address: string | undefined): AddressDecision {
    if (this.perMinute <= 0) return { allowed: true };
    const now = this.now();
    const key = addressKey(address);
    let bucket = this.buckets.get(key);
    if (!bucket) {
      if (this.buckets.size >= this.sweepAt) this.sweep(now);
      bucket = new TokenBucket(this.perMinute, this.perMinute / 60_000, now);
      this.buckets.set(key, bucket);
    }
    const waitMs = bucket.waitMs(1, now);
    if (waitMs > 0) return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
    bucket.take(1);
    return { allowed: true };
  }

  /** Addresses currently tracked (for tests). */
  get tracked(): number {
    return this.buckets.size;
  }

  private sweep(now: number): void {
    for (const [key, bucket] of this.buckets) {
      if (bucket.available(now) >= bucket.capacity) this.buckets.delete(key);
    }
    this.sweepAt = Math.max(MIN_SWEEP_AT, this.buckets.size * 2);
  }
}
