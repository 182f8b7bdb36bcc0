/** The per-address limit of /khalti/return: a token bucket per address, IPv6 per /64, bounded memory. */
import { AddressRateLimiter, addressKey } from '../../../src/http/address-rate-limiter';

describe('AddressRateLimiter', () => {
  it('allows a minute\'s allowance at once, then refills continuously, per address', () => {
    let now = 1_000_000;
    const limiter = new AddressRateLimiter(3, () => now);
    expect([1, 2, 3].map(() => limiter.take('203.0.113.7').allowed)).toEqual([true, true, true]);
    expect(limiter.take('203.0.113.7')).toEqual({ allowed: false, retryAfterSeconds: 20 });
    expect(limiter.take('203.0.113.8').allowed).toBe(true);
    now += 19_000;
    expect(limiter.take('203.0.113.7')).toEqual({ allowed: false, retryAfterSeconds: 1 });
    now += 1_000;
    expect(limiter.take('203.0.113.7').allowed).toBe(true);
  });

  it('0 a minute is off', () => {
    const limiter = new AddressRateLimiter(0);
    for (let i = 0; i < 1000; i += 1) expect(limiter.take('203.0.113.7').allowed).toBe(true);
    expect(limiter.tracked).toBe(0);
  });

  it('counts an IPv4-mapped address as the IPv4 one, and IPv6 by /64', () => {
    expect(addressKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(addressKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:0db8:0001:0002:ffff:ffff:ffff:ffff')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(addressKey('::1')).toBe('0:0:0:0::/64');
    expect(addressKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(addressKey(undefined)).toBe('unknown');
    let now = 0;
    const limiter = new AddressRateLimiter(1, () => now);
    expect(limiter.take('2001:db8:1:2::1').allowed).toBe(true);
    expect(limiter.take('2001:db8:1:2::2').allowed).toBe(false);
    expect(limiter.take('2001:db8:1:3::1').allowed).toBe(true);
    now += 60_000;
    expect(limiter.take('2001:db8:1:2::3').allowed).toBe(true);
  });

  it('forgets addresses whose bucket has refilled, so a spray of addresses cannot grow memory for good', () => {
    let now = 0;
    const limiter = new AddressRateLimiter(60, () => now);
    for (let i = 0; i < 5000; i += 1) limiter.take(`10.0.${i >> 8}.${i & 255}`);
    expect(limiter.tracked).toBe(5000);
    now += 60_000;
    for (let i = 0; i < 5000; i += 1) limiter.take(`10.1.${i >> 8}.${i & 255}`);
    // The first 5000 were full again by then and dropped at a sweep.
    expect(limiter.tracked).toBeLessThanOrEqual(5000);
  });
});
