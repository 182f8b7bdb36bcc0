/**
 * The rate limits a key is under, told to the client on every HTTP response, in the form of the
 * IETF draft "RateLimit header fields for HTTP" (draft-ietf-httpapi-ratelimit-headers-10, sections
 * 3 and 4): two Structured Fields lists (RFC 9651) with one item per policy, named by a string:
 *
 *   RateLimit-Policy: "per-key";q=600;w=60, "initiate";q=120;w=60
 *   RateLimit: "per-key";r=597;t=1, "initiate";r=119;t=1
 *
 * `q` is the quota (tokens a full bucket holds) and `w` the window in seconds it refills over;
 * `r` the tokens left now and `t` the seconds until the bucket is full again. The buckets refill
 * continuously (rate-limiter.ts), so `t` is an upper bound: some quota comes back sooner.
 */
import type { RateClass, RateState } from './rate-limiter';

export const RATE_LIMIT_POLICY_HEADER = 'ratelimit-policy';
export const RATE_LIMIT_HEADER = 'ratelimit';

/** Policy names as the headers give them. */
export const POLICY_NAMES: Readonly<Record<RateClass, string>> = Object.freeze({ all: 'per-key', initiate: 'initiate', refund: 'refund' });

const WINDOW_SECONDS = 60;

/** The two header values, or null when no limit applies (all of them off). */
export function rateLimitHeaderValues(states: readonly RateState[]): { policy: string; limit: string } | null {
  if (states.length === 0) return null;
  return {
    policy: states.map((s) => `"${POLICY_NAMES[s.rateClass]}";q=${s.perMinute};w=${WINDOW_SECONDS}`).join(', '),
    limit: states.map((s) => `"${POLICY_NAMES[s.rateClass]}";r=${s.remaining};t=${s.secondsUntilFull}`).join(', '),
  };
}
