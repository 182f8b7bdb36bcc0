/**
 * Addresses a webhook must not reach unless WEBHOOK_ALLOW_PRIVATE=true: loopback, private,
 * link-local, carrier-grade NAT, unspecified, multicast and reserved ranges, in IPv4 and IPv6,
 * including IPv4 written inside IPv6 (::ffff:10.0.0.1, 64:ff9b::a00:1). Checked at registration
 * and again for the address each connection actually dials (DNS can change in between).
 */
import { BlockList, isIP } from 'node:net';

const V4: [string, number][] = [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
];
const V6: [string, number][] = [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
  ['2001:db8::', 32],
  ['100::', 64],
];

const blocked = new BlockList();
for (const [network, prefix] of V4) blocked.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of V6) blocked.addSubnet(network, prefix, 'ipv6');

/** IPv4 carried in an IPv6 address (mapped ::ffff:a.b.c.d, or NAT64 64:ff9b::/96), else null. */
function embeddedIpv4(ip: string): string | null {
  const lower = ip.toLowerCase();
  const mapped = /^(?:0{0,4}:){0,5}(?:0{0,4}:)?ffff:(.+)$/.exec(lower) ?? /^64:ff9b::(.+)$/.exec(lower);
  if (!mapped) return null;
  const tail = mapped[1];
  if (isIP(tail) === 4) return tail;
  const groups = tail.split(':');
  if (groups.length !== 2 || !groups.every((g) => /^[0-9a-f]{1,4}$/.test(g))) return null;
  const [high, low] = groups.map((g) => parseInt(g, 16));
  return [high >> 8, high & 255, low >> 8, low & 255].join('.');
}

/** True for an address a webhook may not connect to by default; also true for anything not an IP. */
export function isPrivateAddress(ip: string): boolean {
  const bare = ip.startsWith('[') && ip.endsWith(']') ? ip.slice(1, -1) : ip;
  const family = isIP(bare);
  if (family === 4) return blocked.check(bare, 'ipv4');
  if (family !== 6) return true;
  const v4 = embeddedIpv4(bare);
  if (v4 !== null) return blocked.check(v4, 'ipv4');
  return blocked.check(bare, 'ipv6');
}
