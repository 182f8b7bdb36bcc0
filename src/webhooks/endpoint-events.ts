/**
 * An endpoint's subscriptions as stored: a JSON array of wire event types ("payment.completed").
 * Wire types rather than enum names, so the column reads as the events it receives; read back
 * through eventTypeFromWire, which drops any type this gateway no longer sends.
 */
import type { WebhookEndpointRow } from '../db/schema';
import { eventTypeFromWire, wireEventType, type WebhookEventType } from '../payments/webhook-event-type';

export function storedEvents(types: readonly WebhookEventType[]): string {
  return JSON.stringify([...new Set(types)].map(wireEventType));
}

function wireTypes(endpoint: Pick<WebhookEndpointRow, 'events'>): string[] {
  try {
    const parsed: unknown = JSON.parse(endpoint.events);
    return Array.isArray(parsed) ? parsed.filter((entry): entry is string => typeof entry === 'string') : [];
  } catch {
    return [];
  }
}

export function endpointEvents(endpoint: Pick<WebhookEndpointRow, 'events'>): WebhookEventType[] {
  return wireTypes(endpoint)
    .map(eventTypeFromWire)
    .filter((type): type is WebhookEventType => type !== null);
}

export function subscribesTo(endpoint: Pick<WebhookEndpointRow, 'events'>, wire: string): boolean {
  return wireTypes(endpoint).includes(wire);
}
