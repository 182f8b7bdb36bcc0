/**
 * Webhook identifiers. Event ids are Standard Webhooks' `webhook-id` (msg_...): the same on every
 * attempt and redelivery, so receivers deduplicate on it. Ids start with the time in milliseconds
 * (base32, fixed width), so they sort by creation, then carry 80 random bits.
 */
import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

function base32(bytes: Buffer): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

function sortableId(prefix: string, at: Date): string {
  const time = Buffer.alloc(6);
  time.writeUIntBE(Math.max(0, Math.floor(at.getTime())), 0, 6);
  return `${prefix}${base32(Buffer.concat([time, randomBytes(10)]))}`;
}

export const webhookIds = {
  endpoint: (at: Date) => sortableId('ep_', at),
  event: (at: Date) => sortableId('msg_', at),
  delivery: (at: Date) => sortableId('whd_', at),
};
