/**
 * Standard Webhooks (version 1) signing: what a receiver's library checks. The signature covers
 * "{webhook-id}.{webhook-timestamp}.{body}", so a captured request cannot be replayed with another
 * body or, once the receiver's tolerance (5 minutes in the reference libraries) has passed, at all.
 */
import { createHmac } from 'node:crypto';
import { WEBHOOK_SECRET_PREFIX } from './webhook-secrets';

export const WEBHOOK_USER_AGENT = 'khalti-graphql-webhooks/1';

export interface SignedContent {
  /** The event's id (msg_...), the same on every attempt and redelivery. */
  id: string;
  /** Unix seconds of this attempt. */
  timestamp: number;
  /** The exact bytes sent. */
  body: string;
}

/** The key a whsec_ secret stands for: the bytes its base64 part encodes. */
function keyOf(secret: string): Buffer {
  if (!secret.startsWith(WEBHOOK_SECRET_PREFIX)) throw new Error('a webhook secret starts with whsec_');
  return Buffer.from(secret.slice(WEBHOOK_SECRET_PREFIX.length), 'base64');
}

/** The webhook-signature value: one `v1,<base64>` per secret, space-separated (two during a rotation). */
export function sign(content: SignedContent, secrets: readonly string[]): string {
  if (secrets.length === 0) throw new Error('a webhook is signed with at least one secret');
  const signed = `${content.id}.${content.timestamp}.${content.body}`;
  return secrets.map((secret) => `v1,${createHmac('sha256', keyOf(secret)).update(signed).digest('base64')}`).join(' ');
}

/** Every header of one attempt. */
export function webhookHeaders(content: SignedContent, secrets: readonly string[]): Record<string, string> {
  return {
    'content-type': 'application/json',
    'user-agent': WEBHOOK_USER_AGENT,
    'webhook-id': content.id,
    'webhook-timestamp': String(content.timestamp),
    'webhook-signature': sign(content, secrets),
  };
}
