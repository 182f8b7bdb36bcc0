/**
 * Webhook rows written straight through a gateway's database (the repositories the services use),
 * until endpoints are created through createWebhookEndpoint: an endpoint, an event and its deliveries.
 */
import type { Database } from '../../src/db/database';
import { endpointSecret } from '../../src/webhooks/webhook-secrets';
import { webhookIds } from '../../src/webhooks/webhook-ids';

export const WEBHOOK_SIGNING_KEY = 'test-webhook-signing-key-0123456789abcdef';

export interface SeededEndpoint {
  id: string;
  /** The current whsec_ secret. */
  secret: string;
}

export async function seedEndpoint(
  db: Database,
  url: string,
  options: { secretGeneration?: number; previousSecretUntil?: Date | null; enabled?: boolean; events?: string[] } = {},
): Promise<SeededEndpoint> {
  const at = new Date();
  const id = webhookIds.endpoint(at);
  const secretGeneration = options.secretGeneration ?? 1;
  await db.transaction((tx) =>
    tx.webhookEndpoints.insert({
      id,
      url,
      events: JSON.stringify(options.events ?? ['payment.completed']),
      enabled: options.enabled ?? true,
      secretGeneration,
      previousSecretUntil: options.previousSecretUntil ?? null,
      createdAt: at,
      updatedAt: at,
    }),
  );
  return { id, secret: endpointSecret(WEBHOOK_SIGNING_KEY, id, secretGeneration) };
}

export function secretOf(endpointId: string, generation: number): string {
  return endpointSecret(WEBHOOK_SIGNING_KEY, endpointId, generation);
}

/** An event (payment.completed by default) and one PENDING delivery of it per endpoint, due now. */
export async function seedEvent(
  db: Database,
  endpointIds: string[],
  options: { type?: string; data?: Record<string, unknown>; createdAt?: Date; nextAttemptAt?: Date | null } = {},
): Promise<{ eventId: string; body: string; deliveryIds: string[] }> {
  const at = options.createdAt ?? new Date();
  const type = options.type ?? 'payment.completed';
  const eventId = webhookIds.event(at);
  const body = JSON.stringify({ type, timestamp: at.toISOString(), data: options.data ?? { pidx: `pidx-${eventId}`, amount: 1000, status: 'COMPLETED', paid: true } });
  const deliveryIds = endpointIds.map(() => webhookIds.delivery(at));
  await db.transaction(async (tx) => {
    await tx.webhookOutbox.insertEvent({ id: eventId, type, body, createdAt: at });
    await tx.webhookOutbox.insertDeliveries(
      endpointIds.map((endpointId, i) => ({ id: deliveryIds[i]!, eventId, endpointId, state: 'PENDING' as const, attempts: 0, nextAttemptAt: options.nextAttemptAt === undefined ? at : options.nextAttemptAt, createdAt: at, updatedAt: at })),
    );
  });
  return { eventId, body, deliveryIds };
}
