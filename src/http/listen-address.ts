/** What the start-up line says about where the gateway listens, from the socket's real address. */
import type { AddressInfo } from 'node:net';

export interface ListenAddress {
  /** A URL this machine reaches the gateway at (loopback when it listens on all interfaces). */
  url: string;
  /** The address it really listens on, for people: `http://0.0.0.0:4000 (all interfaces)`. */
  description: string;
}

export function listenAddress(address: AddressInfo): ListenAddress {
  const { port } = address;
  if (address.address === '0.0.0.0') return { url: `http://127.0.0.1:${port}`, description: `http://0.0.0.0:${port} (all interfaces)` };
  if (address.address === '::') return { url: `http://[::1]:${port}`, description: `http://[::]:${port} (all interfaces)` };
  const host = address.family === 'IPv6' || address.address.includes(':') ? `[${address.address}]` : address.address;
  const url = `http://${host}:${port}`;
  return { url, description: url };
}
