/**
 * The addresses a webhook may not reach by default (WEBHOOK_ALLOW_PRIVATE=false): loopback,
 * private, link-local, CGNAT, reserved and multicast ranges in IPv4 and IPv6, IPv4 hidden in IPv6
 * (mapped, NAT64), and anything that is not an IP address at all.
 */
import { isPrivateAddress } from '../../../src/webhooks/private-address';

describe('isPrivateAddress', () => {
  it.each([
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'this network'],
    ['10.0.0.1', 'private 10/8'],
    ['10.255.255.255', 'private 10/8, last'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['100.127.255.254', 'carrier-grade NAT, last'],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback, anywhere in 127/8'],
    ['169.254.169.254', 'link-local (cloud metadata)'],
    ['172.16.0.1', 'private 172.16/12'],
    ['172.31.255.255', 'private 172.16/12, last'],
    ['192.0.0.8', 'IETF protocol assignments'],
    ['192.0.2.1', 'TEST-NET-1'],
    ['192.168.1.1', 'private 192.168/16'],
    ['198.18.0.1', 'benchmarking'],
    ['198.51.100.7', 'TEST-NET-2'],
    ['203.0.113.9', 'TEST-NET-3'],
    ['224.0.0.1', 'multicast'],
    ['240.0.0.1', 'reserved'],
    ['255.255.255.255', 'broadcast'],
  ])('refuses IPv4 %s (%s)', (ip) => {
    expect(isPrivateAddress(ip)).toBe(true);
  });

  it.each([
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['[::1]', 'loopback, bracketed as in a URL'],
    ['fc00::1', 'unique local'],
    ['fd12:3456:789a::1', 'unique local fd00::/8'],
    ['fe80::1', 'link-local'],
    ['febf::1', 'link-local, last'],
    ['fec0::1', 'site-local (deprecated)'],
    ['ff02::1', 'multicast'],
    ['2001:db8::1', 'documentation'],
    ['100::1', 'discard-only'],
    ['::ffff:127.0.0.1', 'IPv4-mapped loopback, dotted'],
    ['::ffff:7f00:1', 'IPv4-mapped loopback, hex'],
    ['::FFFF:7F00:0001', 'IPv4-mapped loopback, upper case'],
    ['0:0:0:0:0:ffff:10.0.0.1', 'IPv4-mapped private, written out'],
    ['::ffff:a9fe:a9fe', 'IPv4-mapped link-local 169.254.169.254'],
    ['64:ff9b::a00:1', 'NAT64 of 10.0.0.1'],
    ['64:ff9b::127.0.0.1', 'NAT64 of loopback, dotted'],
    ['64:ff9b::c0a8:101', 'NAT64 of 192.168.1.1'],
  ])('refuses IPv6 %s (%s)', (ip) => {
    expect(isPrivateAddress(ip)).toBe(true);
  });

  it.each(['', 'localhost', 'example.com', '1.1.1', '1.1.1.1.1', '256.1.1.1', '::g', '1.1.1.1/32', ' 1.1.1.1', 'http://1.1.1.1'])(
    'refuses %j, which is not an IP address',
    (text) => {
      expect(isPrivateAddress(text)).toBe(true);
    },
  );

  it.each([
    '1.1.1.1',
    '8.8.8.8',
    '93.184.216.34',
    '100.63.255.255',
    '100.128.0.0',
    '172.15.255.255',
    '172.32.0.0',
    '192.167.255.255',
    '192.169.0.0',
    '198.17.255.255',
    '198.20.0.0',
    '223.255.255.255',
    '2606:4700::1111',
    '2001:4860:4860::8888',
    '[2606:4700:4700::1111]',
    '::ffff:1.1.1.1',
    '::ffff:101:101',
    '64:ff9b::101:101',
    '2001:db9::1',
  ])('allows the public address %s', (ip) => {
    expect(isPrivateAddress(ip)).toBe(false);
  });
});
