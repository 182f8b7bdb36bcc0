/**
 * Who a rate limit counts: client keys per key and client address, server and admin keys per key;
 * the client address is the TCP peer unless the peer is a trusted proxy (TRUSTED_PROXIES); and the
 * settings (REDIS_URL, REDIS_KEY_PREFIX, TRUSTED_PROXIES) that start-up checks.
 */
import { loadConfig } from '../../../src/config';
import { clientAddressResolver } from '../../../src/graphql/rate-limit/client-address';
import { RateLimiter, rateSubject } from '../../../src/graphql/rate-limit/rate-limiter';
import { configError } from '../../support/config-error';

const request = (peer: string | undefined, forwardedFor?: string | string[]) => ({
  socket: { remoteAddress: peer } as never,
  headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor },
});

describe('rateSubject', () => {
  it('counts client keys per key and address, server and admin keys per key', () => {
    expect(rateSubject({ role: 'client', keyId: 'kc' }, '203.0.113.7')).toBe('kc@203.0.113.7');
    expect(rateSubject({ role: 'client', keyId: 'kc' }, '::ffff:203.0.113.7')).toBe('kc@203.0.113.7');
    expect(rateSubject({ role: 'client', keyId: 'kc' }, '2001:db8:1:2:aaaa::1')).toBe(rateSubject({ role: 'client', keyId: 'kc' }, '2001:db8:1:2:ffff::9'));
    expect(rateSubject({ role: 'client', keyId: 'kc' }, undefined)).toBe('kc@unknown');
    expect(rateSubject({ role: 'server', keyId: 'ks' }, '203.0.113.7')).toBe('ks');
    expect(rateSubject({ role: 'admin', keyId: 'ka' }, '203.0.113.7')).toBe('ka');
  });

  it('gives two buyers of one client key a bucket each', () => {
    const limiter = new RateLimiter({ perMinute: 1, initiatePerMinute: 0, refundPerMinute: 0 }, () => 0);
    const client = { role: 'client' as const, keyId: 'kc' };
    expect(limiter.take(rateSubject(client, '198.51.100.1'), ['payment']).allowed).toBe(true);
    expect(limiter.take(rateSubject(client, '198.51.100.1'), ['payment']).allowed).toBe(false);
    expect(limiter.take(rateSubject(client, '198.51.100.2'), ['payment']).allowed).toBe(true);
  });
});

describe('clientAddressResolver', () => {
  it('without TRUSTED_PROXIES: the TCP peer, whatever X-Forwarded-For says', () => {
    const of = clientAddressResolver([]);
    expect(of(request('10.0.0.5', '198.51.100.1'))).toBe('10.0.0.5');
    expect(of(request('::ffff:10.0.0.5'))).toBe('10.0.0.5');
    expect(of(request(undefined, '198.51.100.1'))).toBeUndefined();
  });

  it('behind a trusted proxy: the right-most entry that is not a trusted proxy', () => {
    const of = clientAddressResolver(['10.0.0.0/8', 'fd00::/8', '192.0.2.10']);
    expect(of(request('10.0.0.5', '198.51.100.1'))).toBe('198.51.100.1');
    // A client-written entry to the left proves nothing: the first untrusted hop from the right counts.
    expect(of(request('10.0.0.5', '1.2.3.4, 198.51.100.1, 10.1.1.1'))).toBe('198.51.100.1');
    expect(of(request('::ffff:10.0.0.5', ['1.2.3.4', '198.51.100.1, 192.0.2.10']))).toBe('198.51.100.1');
    expect(of(request('fd00::1', '2001:db8::7'))).toBe('2001:db8::7');
    expect(of(request('10.0.0.5', '[2001:db8::7]:4431'))).toBe('2001:db8::7');
    expect(of(request('10.0.0.5', '198.51.100.1:5555'))).toBe('198.51.100.1');
  });

  it('ignores X-Forwarded-For from a peer that is not a trusted proxy', () => {
    const of = clientAddressResolver(['10.0.0.0/8']);
    expect(of(request('198.51.100.9', '1.2.3.4'))).toBe('198.51.100.9');
  });

  it('falls back to the nearest proxy when the chain is missing or unreadable', () => {
    const of = clientAddressResolver(['10.0.0.0/8']);
    expect(of(request('10.0.0.5'))).toBe('10.0.0.5');
    expect(of(request('10.0.0.5', 'unknown, 10.0.0.6'))).toBe('10.0.0.6');
    expect(of(request('10.0.0.5', '10.0.0.7, 10.0.0.6'))).toBe('10.0.0.7');
  });
});

describe('configuration', () => {
  it('reads REDIS_URL, REDIS_KEY_PREFIX and TRUSTED_PROXIES', () => {
    expect(loadConfig({}).redis).toBeNull();
    expect(loadConfig({}).trustedProxies).toEqual([]);
    expect(loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379/2' }).redis).toEqual({ url: 'redis://127.0.0.1:6379/2', keyPrefix: 'khalti-graphql:' });
    expect(loadConfig({ REDIS_URL: 'rediss://:pw@cache.internal', REDIS_KEY_PREFIX: 'shop-a:' }).redis).toEqual({ url: 'rediss://:pw@cache.internal', keyPrefix: 'shop-a:' });
    expect(loadConfig({ TRUSTED_PROXIES: '10.0.0.0/8, 192.0.2.10 ,fd00::/8' }).trustedProxies).toEqual(['10.0.0.0/8', '192.0.2.10', 'fd00::/8']);
  });

  it.each(['http://127.0.0.1:6379', 'redis://', 'redis://host:6379/x', 'redis://host/1?tls=1', 'not a url'])('refuses REDIS_URL %s, naming it', (url) => {
    expect(configError({ REDIS_URL: url }).message).toMatch(/^REDIS_URL: must be redis:\/\//);
  });

  it('never repeats a REDIS_URL password in its message', () => {
    const message = configError({ REDIS_URL: 'redis://user:s3cr3t-pass@host:6379/notadb' }).message;
    expect(message).toMatch(/^REDIS_URL:/);
    expect(message).not.toContain('s3cr3t-pass');
  });

  it.each(['10.0.0.0/33', 'fd00::/129', 'example.com', '10.0.0.1/8/8', '10.0.0'])('refuses TRUSTED_PROXIES entry %s', (entry) => {
    expect(configError({ TRUSTED_PROXIES: `192.0.2.1,${entry}` }).message).toMatch(/^TRUSTED_PROXIES: ".*" is not an IP address or CIDR block/);
  });
});
