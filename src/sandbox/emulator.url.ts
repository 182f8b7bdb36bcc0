import { isIPv6 } from 'node:net';

/**
 * Django's URLValidator (which DRF's URLField uses), restricted to http and https as a return_url
 * must be. Django wants a host that is `localhost`, an IP address, or a dotted name ending in a
 * TLD of two or more letters: `http://example.com/` and `http://127.0.0.1:3000/` pass,
 * `http://myhost/` (a bare docker-compose service name) does not. That surprise is real at
 * Khalti, so the emulator reproduces it rather than hide it.
 */
const UL = '\\u00a1-\\uffff';
const IPV4 = '(?:0|25[0-5]|2[0-4]\\d|1\\d?\\d?|[1-9]\\d?)(?:\\.(?:0|25[0-5]|2[0-4]\\d|1\\d?\\d?|[1-9]\\d?)){3}';
const HOSTNAME = `[a-z${UL}0-9](?:[a-z${UL}0-9-]{0,61}[a-z${UL}0-9])?`;
const DOMAIN = `(?:\\.(?!-)[a-z${UL}0-9-]{1,63}(?<!-))*`;
const TLD = `\\.(?!-)(?:[a-z${UL}-]{2,63}|xn--[a-z0-9]{1,59})(?<!-)\\.?`;
const HOST = `(?:${HOSTNAME}${DOMAIN}${TLD}|localhost)`;

const URL_RE = new RegExp(
  '^(?:https?)://' +
    '(?:[^\\s:@/]+(?::[^\\s:@/]*)?@)?' + // user:pass@
    `(?:${IPV4}|\\[([0-9a-f:.]+)\\]|${HOST})` +
    '(?::\\d{1,5})?' +
    '(?:[/?#][^\\s]*)?$',
  'i',
);

/** Django's limit (URLValidator.max_length). */
const MAX_URL_LENGTH = 2048;

export function isValidHttpUrl(value: string): boolean {
  if (value.length > MAX_URL_LENGTH) return false;
  const match = URL_RE.exec(value);
  if (!match) return false;
  const ipv6 = match[1];
  if (ipv6 !== undefined && !isIPv6(ipv6)) return false;
  // Django finally checks the port range and that the netloc parses; WHATWG URL does both.
  try {
    new URL(value);
    return true;
  } catch {
    return false;
  }
}
