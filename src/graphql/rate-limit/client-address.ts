/**
 * The client address that per-address limits count against (client-key rate limits, GET
 * /khalti/return). Without TRUSTED_PROXIES it is the TCP peer and X-Forwarded-For is ignored:
 * anyone can send that header, so trusting it would let a client pick a fresh "address" per
 * request. Behind load balancers listed in TRUSTED_PROXIES, and only when the TCP peer is one of
 * them, it is the right-most X-Forwarded-For entry that is not a listed proxy: each proxy appends
 * the address it got the request from, so entries to the left of the first untrusted one were
 * written by the client and prove nothing.
 */
import type { IncomingMessage } from 'node:http';
import { BlockList, isIP, isIPv6 } from 'node:net';

export type ClientAddressOf = (req: Pick<IncomingMessage, 'headers' | 'socket'>) => string | undefined;

/** `::ffff:10.0.0.1` and `10.0.0.1` are the same IPv4 client. */
function unmapped(address: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  return mapped ? mapped[1]! : address;
}

/** A trusted-proxy list (TRUSTED_PROXIES entries: addresses or CIDR blocks, IPv4 or IPv6). */
export function trustedProxyList(entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [address = '', bits] = entry.split('/');
    const type = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(bits), type);
  }
  return list;
}

function isTrusted(list: BlockList, address: string): boolean {
  const plain = unmapped(address.split('%')[0]!);
  const family = isIP(plain);
  if (family === 0) return false;
  return list.check(plain, family === 6 ? 'ipv6' : 'ipv4');
}

/** One X-Forwarded-For entry as an address: brackets and ports dropped; null when it is none. */
function forwardedAddress(entry: string): string | null {
  let value = entry.trim();
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(value);
  if (bracketed) value = bracketed[1]!;
  else if (/^\d{1,3}(?:\.\d{1,3}){3}:\d+$/.test(value)) value = value.slice(0, value.lastIndexOf(':'));
  return isIP(value) ? unmapped(value) : null;
}

/** How a request's client address is found, given TRUSTED_PROXIES (empty: the TCP peer, always). */
export function clientAddressResolver(trustedProxies: readonly string[]): ClientAddressOf {
  const peerOf = (req: Pick<IncomingMessage, 'socket'>) => {
    const peer = req.socket.remoteAddress;
    return peer ? unmapped(peer) : undefined;
  };
  if (trustedProxies.length === 0) return peerOf;
  const list = trustedProxyList(trustedProxies);
  return (req) => {
    const peer = peerOf(req);
    if (!peer || !isTrusted(list, peer)) return peer;
    const header = req.headers['x-forwarded-for'];
    const entries = (Array.isArray(header) ? header.join(',') : (header ?? '')).split(',').filter((entry) => entry.trim());
    // Right to left: the nearest hop first. Past the trusted proxies, the first entry is the client;
    // an entry that is not an address there means the chain cannot be read: count the last proxy.
    let client = peer;
    for (let i = entries.length - 1; i >= 0; i -= 1) {
      const address = forwardedAddress(entries[i]!);
      if (!address) return client;
      client = address;
      if (!isTrusted(list, address)) return address;
    }
    return client;
  };
}

/** The bucket an address counts against: IPv4 as is (also when IPv4-mapped), IPv6 by its /64. */
export function addressKey(address: string | undefined): string {
  if (!address) return 'unknown';
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  if (mapped) return mapped[1]!;
  if (!isIPv6(address)) return address;
  const [head = '', tail] = address.split('%')[0]!.split('::');
  const groups = (part: string | undefined) => (part ? part.split(':').flatMap((g) => (g.includes('.') ? ['0', '0'] : [g])) : []);
  const front = groups(head);
  const back = groups(tail);
  const full = tail === undefined ? front : [...front, ...Array<string>(8 - front.length - back.length).fill('0'), ...back];
  return `${full.slice(0, 4).map((g) => parseInt(g, 16).toString(16)).join(':')}::/64`;
}
