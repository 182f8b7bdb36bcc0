import { classifyAnswer, decideAfterAttempt, MAX_RETRY_AFTER_MS, retryAfterMs } from '../../../src/webhooks/retry-schedule';

const now = new Date('2026-12-02T06:00:00.000Z');
const schedule = [1000, 60_000, 3_600_000];
const at = (decision: { nextAttemptAt: Date | null }) => decision.nextAttemptAt!.getTime() - now.getTime();

describe('webhook retry schedule', () => {
  it('a 2xx is accepted, with no next attempt', () => {
    for (const status of [200, 201, 204, 299]) {
      expect(decideAfterAttempt({ attempt: 1, httpStatus: status }, schedule, now)).toEqual({ outcome: 'accepted', nextAttemptAt: null, disableEndpoint: false });
    }
  });

  it('after attempt n the next is due after schedule[n-1], within ±10%', () => {
    for (const [attempt, delay] of schedule.entries()) {
      const low = decideAfterAttempt({ attempt: attempt + 1, httpStatus: 500 }, schedule, now, () => 0);
      const high = decideAfterAttempt({ attempt: attempt + 1, httpStatus: null }, schedule, now, () => 0.999999);
      const middle = decideAfterAttempt({ attempt: attempt + 1, httpStatus: 302 }, schedule, now, () => 0.5);
      expect(low.outcome).toBe('retryable');
      expect(at(low)).toBe(Math.round(delay * 0.9));
      expect(at(high)).toBeCloseTo(delay * 1.1, -1);
      expect(at(middle)).toBe(delay);
    }
  });

  it('gives up once the schedule is spent (one attempt more than delays)', () => {
    expect(decideAfterAttempt({ attempt: 4, httpStatus: 500 }, schedule, now)).toEqual({ outcome: 'given_up', nextAttemptAt: null, disableEndpoint: false });
    expect(decideAfterAttempt({ attempt: 1, httpStatus: null }, [], now).outcome).toBe('given_up');
  });

  it('410 Gone gives up at once and disables the endpoint', () => {
    expect(decideAfterAttempt({ attempt: 1, httpStatus: 410 }, schedule, now)).toEqual({ outcome: 'given_up', nextAttemptAt: null, disableEndpoint: true });
  });

  it('honours Retry-After on 429 and 503 when longer than the schedule, in seconds or as an HTTP date, capped at 24 h', () => {
    expect(at(decideAfterAttempt({ attempt: 1, httpStatus: 429, retryAfter: '120' }, schedule, now, () => 0.5))).toBe(120_000);
    expect(at(decideAfterAttempt({ attempt: 1, httpStatus: 503, retryAfter: 'Wed, 02 Dec 2026 06:10:00 GMT' }, schedule, now, () => 0.5))).toBe(600_000);
    // Shorter than the schedule: the schedule's delay stands.
    expect(at(decideAfterAttempt({ attempt: 2, httpStatus: 429, retryAfter: '1' }, schedule, now, () => 0.5))).toBe(60_000);
    expect(at(decideAfterAttempt({ attempt: 1, httpStatus: 429, retryAfter: String(7 * 24 * 3600) }, schedule, now, () => 0.5))).toBe(MAX_RETRY_AFTER_MS);
    // Only 429 and 503 may ask.
    expect(at(decideAfterAttempt({ attempt: 1, httpStatus: 500, retryAfter: '120' }, schedule, now, () => 0.5))).toBe(1000);
    // A spent schedule is spent, whatever Retry-After says.
    expect(decideAfterAttempt({ attempt: 4, httpStatus: 429, retryAfter: '5' }, schedule, now).outcome).toBe('given_up');
  });

  it('reads Retry-After strictly', () => {
    expect(retryAfterMs('0', now)).toBe(0);
    expect(retryAfterMs(' 30 ', now)).toBe(30_000);
    expect(retryAfterMs('Wed, 02 Dec 2026 05:00:00 GMT', now)).toBe(0);
    for (const bad of ['-5', '1.5', 'soon', '2026-12-02T07:00:00Z', '']) expect(retryAfterMs(bad, now)).toBeNull();
  });

  it('classifies answers', () => {
    expect([200, 301, 410, 429, 503, 500, 404, null].map(classifyAnswer)).toEqual(['accepted', 'failed', 'gone', 'throttled', 'throttled', 'failed', 'failed', 'failed']);
  });
});
