/**
 * Endpoint signing secrets, derived rather than stored: HMAC-SHA256 of the endpoint's id and secret
 * generation under WEBHOOK_SIGNING_KEY. The database holds only the generation, so a copy of it
 * (a backup, a replica, a leaked dump) signs nothing, and every instance derives the same secret.
 * Changing WEBHOOK_SIGNING_KEY changes every endpoint's secret: rotate each endpoint afterwards.
 *
 * The secret is Standard Webhooks' `whsec_<base64>`; its 32 key bytes are the base64 part.
 */
import { createHmac } from 'node:crypto';

export const WEBHOOK_SECRET_PREFIX = 'whsec_';
/** How long the previous secret keeps signing after rotateWebhookSecret (DESIGN section 7). */
export const PREVIOUS_SECRET_VALID_MS = 24 * 60 * 60 * 1000;

export interface SecretGenerations {
  id: string;
  secretGeneration: number;
  previousSecretUntil: Date | null;
}

/** The whsec_ secret of one generation of an endpoint's secret. */
export function endpointSecret(signingKey: string, endpointId: string, generation: number): string {
  const key = createHmac('sha256', signingKey).update(`khalti-graphql webhook endpoint secret\0${endpointId}\0${generation}`).digest();
  return `${WEBHOOK_SECRET_PREFIX}${key.toString('base64')}`;
}

/** The secrets that sign a delivery made at `now`: the current one, and the previous one within 24 hours of a rotation. */
export function signingSecrets(signingKey: string, endpoint: SecretGenerations, now: Date): string[] {
  const secrets = [endpointSecret(signingKey, endpoint.id, endpoint.secretGeneration)];
  if (endpoint.secretGeneration > 1 && endpoint.previousSecretUntil && endpoint.previousSecretUntil.getTime() > now.getTime()) {
    secrets.push(endpointSecret(signingKey, endpoint.id, endpoint.secretGeneration - 1));
  }
  return secrets;
}
