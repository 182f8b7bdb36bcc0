/**
 * Which URLs a webhook endpoint may have (DESIGN section 7): http(s) only, https in production, no
 * credentials or fragment, bounded length, and a host whose every address is public unless
 * WEBHOOK_ALLOW_PRIVATE=true. Every address, not the first: a name that also resolves to 10.0.0.1
 * would let the gateway be pointed at the merchant's own network (the sender checks the address it
 * actually dials again, since DNS can change after registration).
 */
import { promises as dns } from 'node:dns';
import { isIP } from 'node:net';
import { isPrivateAddress } from './private-address';

export const MAX_ENDPOINT_URL_LENGTH = 2048;
/** getaddrinfo has no timeout of its own; a registration must not hang on a dead resolver. */
export const RESOLVE_TIMEOUT_MS = 5000;

export interface EndpointUrlRules {
  /** KHALTI_ENV=production or NODE_ENV=production: https only. */
  production: boolean;
  /** WEBHOOK_ALLOW_PRIVATE. */
  allowPrivate: boolean;
  /** The host's addresses (default: dns.promises.lookup with all: true). */
  resolve?: (host: string) => Promise<string[]>;
}

export type EndpointUrlCheck = { ok: true; url: string; host: string } | { ok: false; message: string };

export async function checkEndpointUrl(raw: string, rules: EndpointUrlRules): Promise<EndpointUrlCheck> {
  const refuse = (message: string): EndpointUrlCheck => ({ ok: false, message });
  const text = raw.trim();
  if (!text) return refuse('url may not be blank.');
  if (text.length > MAX_ENDPOINT_URL_LENGTH) return refuse(`url must be at most ${MAX_ENDPOINT_URL_LENGTH} characters.`);
  if (/[\u0000-\u0020\u007f]/.test(text)) return refuse('url may not contain spaces or control characters.');
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return refuse('url is not a valid absolute URL, such as https://shop.example.com/webhooks/khalti.');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return refuse('url must be an http or https URL.');
  if (rules.production && url.protocol !== 'https:') return refuse('url must be https in production.');
  if (url.username || url.password) return refuse('url may not carry a user name or password; authenticate deliveries by their signature.');
  if (url.hash || text.includes('#')) return refuse('url may not have a fragment (#...).');
  if (!url.hostname) return refuse('url has no host.');

  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  let addresses: string[];
  if (isIP(host)) {
    addresses = [host];
  } else {
    try {
      addresses = await withTimeout((rules.resolve ?? lookupAll)(host), RESOLVE_TIMEOUT_MS);
    } catch {
      return refuse(`url's host ${host} does not resolve.`);
    }
    if (addresses.length === 0) return refuse(`url's host ${host} does not resolve.`);
  }
  if (!rules.allowPrivate) {
    const blocked = addresses.find(isPrivateAddress);
    if (blocked !== undefined) {
      return refuse(
        `url's host ${host} resolves to ${blocked}, a loopback, private, link-local or reserved address; ` +
          'webhooks go to public addresses unless WEBHOOK_ALLOW_PRIVATE=true.',
      );
    }
  }
  return { ok: true, url: url.href, host };
}

async function lookupAll(host: string): Promise<string[]> {
  return (await dns.lookup(host, { all: true, verbatim: true })).map((entry) => entry.address);
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timed out')), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** The host an audit row may name (the rest of a URL may carry a token). */
export function urlHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '';
  }
}
