/**
 * Webhook endpoints, managed by admins (DESIGN section 3 Additions): create, update, delete (soft),
 * list and rotate the signing secret. Secrets are derived from WEBHOOK_SIGNING_KEY and never stored
 * (webhook-secrets.ts); one is shown only in the answer to create and rotate. Every change is one
 * audit row (kind 'webhook') in the unit that makes it, naming the endpoint and its URL's host,
 * never the secret nor the full URL.
 *
 * A URL is checked (DNS included) before the unit of work starts: a unit never does network I/O.
 */
import { StaleRowError, type Database } from '../db/database';
import type { WebhookEndpointChanges } from '../db/webhook-endpoints.repository';
import type { WebhookEndpointRow } from '../db/schema';
import type { AuditService } from '../payments/audit.service';
import { containsNul } from '../payments/text.rules';
import { userError, type UserError } from '../payments/user-error';
import { WEBHOOK_EVENT_TYPES, type WebhookEventType } from '../payments/webhook-event-type';
import { checkEndpointUrl, urlHost, type EndpointUrlRules } from './endpoint-url.policy';
import { endpointEvents, storedEvents } from './endpoint-events';
import { endpointSecret, PREVIOUS_SECRET_VALID_MS } from './webhook-secrets';
import { webhookIds } from './webhook-ids';

export const MAX_ENDPOINT_DESCRIPTION_LENGTH = 500;

export interface CreateEndpointCommand {
  url: string;
  events: readonly string[];
  description?: string | null;
}

export interface UpdateEndpointCommand {
  id: string;
  url?: string;
  events?: readonly string[];
  /** null clears it; undefined leaves it. */
  description?: string | null;
  enabled?: boolean;
}

export interface EndpointOutcome {
  endpoint: WebhookEndpointRow | null;
  /** The whsec_ secret: only from create and rotate. */
  secret: string | null;
  userErrors: UserError[];
}

export interface WebhookEndpointsOptions {
  /** The resolved WEBHOOK_SIGNING_KEY (embedded mode's generated one included); null: endpoints cannot be created. */
  signingKey: string | null;
  urlRules: EndpointUrlRules;
  now?: () => Date;
}

const NOT_CONFIGURED = userError(
  null,
  'WEBHOOKS_NOT_CONFIGURED',
  'Webhooks are not configured: set WEBHOOK_SIGNING_KEY (32+ random characters; endpoint secrets are derived from it) and restart the gateway.',
);
/** Sent by sendTestWebhook whatever an endpoint subscribed to, so not a subscription. */
const SUBSCRIBABLE: ReadonlySet<string> = new Set(WEBHOOK_EVENT_TYPES.filter((type) => type !== 'WEBHOOK_TEST'));

export class WebhookEndpointsService {
  private readonly now: () => Date;

  constructor(
    private readonly db: Database,
    private readonly audit: AuditService,
    private readonly options: WebhookEndpointsOptions,
  ) {
    this.now = options.now ?? (() => new Date());
  }

  /** Endpoints not deleted, oldest first. */
  list(): Promise<WebhookEndpointRow[]> {
    return this.db.read.webhookEndpoints.listed();
  }

  /** The event types an endpoint receives, as the domain names them. */
  events(endpoint: WebhookEndpointRow): WebhookEventType[] {
    return endpointEvents(endpoint);
  }

  async create(command: CreateEndpointCommand): Promise<EndpointOutcome> {
    const signingKey = this.options.signingKey;
    if (signingKey === null) return refused([NOT_CONFIGURED]);
    const errors: UserError[] = [];
    const events = checkEvents(command.events, ['input', 'events'], errors);
    const description = checkDescription(command.description, errors);
    const url = await this.checkUrl(command.url, errors);
    if (errors.length || url === null || events === null || description === undefined) return refused(errors);

    const at = this.now();
    const row: WebhookEndpointRow = {
      id: webhookIds.endpoint(at),
      url,
      events: storedEvents(events),
      description,
      enabled: true,
      disabledReason: null,
      secretGeneration: 1,
      previousSecretUntil: null,
      createdAt: at,
      updatedAt: at,
      deletedAt: null,
      version: 0,
    };
    await this.db.transaction(async (tx) => {
      await tx.webhookEndpoints.insert(row);
      await this.audit.webhookStep(tx, {
        operation: 'webhook_endpoint_created',
        at,
        detail: { endpointId: row.id, host: urlHost(url), events: JSON.parse(row.events) as string[] },
      });
    });
    return { endpoint: row, secret: endpointSecret(signingKey, row.id, row.secretGeneration), userErrors: [] };
  }

  async update(command: UpdateEndpointCommand): Promise<EndpointOutcome> {
    const errors: UserError[] = [];
    const changes: WebhookEndpointChanges = {};
    if (command.events !== undefined) {
      const events = checkEvents(command.events, ['input', 'events'], errors);
      if (events) changes.events = storedEvents(events);
    }
    if (command.description !== undefined) {
      const description = checkDescription(command.description, errors);
      if (description !== undefined) changes.description = description;
    }
    if (command.enabled !== undefined) changes.enabled = command.enabled;
    // The id before the URL: an unknown endpoint is not worth a DNS lookup.
    const before = await this.find(command.id);
    if (!before) return refused([unknownEndpoint(['input', 'id']), ...errors]);
    if (command.url !== undefined) {
      const url = await this.checkUrl(command.url, errors);
      if (url !== null) changes.url = url;
    }
    if (errors.length) return refused(errors);

    const written = await this.db.transaction(async (tx) => {
      const current = await tx.webhookEndpoints.byId(command.id);
      if (!current || current.deletedAt) return null;
      // Re-enabling clears why the gateway had disabled it (a 410 Gone).
      const effective: WebhookEndpointChanges = { ...changes, ...(changes.enabled === true && !current.enabled ? { disabledReason: null } : {}) };
      const changed = (Object.keys(effective) as (keyof WebhookEndpointChanges)[]).filter((key) => current[key] !== effective[key]);
      if (changed.length === 0) return current;
      const at = this.now();
      const row = await tx.webhookEndpoints.update(current.id, current.version, effective, at);
      // Read in this unit and written since: another unit won; this one is run again.
      if (!row) throw new StaleRowError(`webhook_endpoints ${current.id}`);
      await this.audit.webhookStep(tx, {
        operation: 'webhook_endpoint_updated',
        at,
        detail: {
          endpointId: row.id,
          host: urlHost(row.url),
          ...(changed.includes('url') ? { previousHost: urlHost(current.url) } : {}),
          events: JSON.parse(row.events) as string[],
          enabled: row.enabled,
          changed,
        },
      });
      return row;
    });
    if (!written) return refused([unknownEndpoint(['input', 'id'])]);
    return { endpoint: written, secret: null, userErrors: [] };
  }

  /**
   * Deletes the endpoint (soft) and gives up its PENDING deliveries ('endpoint deleted'). False for
   * an unknown or already deleted endpoint.
   */
  async delete(id: string): Promise<boolean> {
    if (containsNul(id)) return false;
    return this.db.transaction(async (tx) => {
      const current = await tx.webhookEndpoints.byId(id);
      if (!current || current.deletedAt) return false;
      const at = this.now();
      const { deleted, deliveriesFailed } = await tx.webhookEndpoints.softDelete(id, at);
      if (!deleted) return false;
      await this.audit.webhookStep(tx, {
        operation: 'webhook_endpoint_deleted',
        at,
        detail: { endpointId: id, host: urlHost(current.url), events: JSON.parse(current.events) as string[], deliveriesFailed },
      });
      return true;
    });
  }

  /**
   * A new secret (the next generation); the previous one keeps signing beside it for
   * PREVIOUS_SECRET_VALID_MS, so receivers can switch without losing deliveries.
   */
  async rotate(id: string): Promise<EndpointOutcome> {
    const signingKey = this.options.signingKey;
    if (signingKey === null) return refused([NOT_CONFIGURED]);
    if (containsNul(id)) return refused([unknownEndpoint(['id'])]);
    const row = await this.db.transaction(async (tx) => {
      const current = await tx.webhookEndpoints.byId(id);
      if (!current || current.deletedAt) return null;
      const at = this.now();
      const written = await tx.webhookEndpoints.update(
        id,
        current.version,
        { secretGeneration: current.secretGeneration + 1, previousSecretUntil: new Date(at.getTime() + PREVIOUS_SECRET_VALID_MS) },
        at,
      );
      if (!written) throw new StaleRowError(`webhook_endpoints ${id}`);
      await this.audit.webhookStep(tx, {
        operation: 'webhook_secret_rotated',
        at,
        detail: {
          endpointId: id,
          host: urlHost(written.url),
          secretGeneration: written.secretGeneration,
          previousSecretUntil: written.previousSecretUntil?.toISOString() ?? null,
        },
      });
      return written;
    });
    if (!row) return refused([unknownEndpoint(['id'])]);
    return { endpoint: row, secret: endpointSecret(signingKey, row.id, row.secretGeneration), userErrors: [] };
  }

  private async find(id: string): Promise<WebhookEndpointRow | null> {
    if (!id.trim() || containsNul(id)) return null;
    const row = await this.db.read.webhookEndpoints.byId(id);
    return row && !row.deletedAt ? row : null;
  }

  private async checkUrl(raw: string, errors: UserError[]): Promise<string | null> {
    const checked = await checkEndpointUrl(raw, this.options.urlRules);
    if (checked.ok) return checked.url;
    errors.push(userError(['input', 'url'], raw.trim() ? 'INVALID_URL' : 'BLANK', checked.message));
    return null;
  }
}

function refused(userErrors: UserError[]): EndpointOutcome {
  return { endpoint: null, secret: null, userErrors };
}

function unknownEndpoint(field: string[]): UserError {
  return userError(field, 'INVALID_VALUE', 'No webhook endpoint with this id (or it was deleted).');
}

/** The event types, deduplicated in the domain's order; null (with an error) when unusable. */
function checkEvents(events: readonly string[], field: string[], errors: UserError[]): WebhookEventType[] | null {
  if (events.length === 0) {
    errors.push(userError(field, 'BLANK', 'events may not be empty: list the event types this endpoint receives.'));
    return null;
  }
  const unknown = events.filter((type) => !SUBSCRIBABLE.has(type));
  if (unknown.length) {
    const test = unknown.includes('WEBHOOK_TEST');
    errors.push(
      userError(
        field,
        'INVALID_VALUE',
        test
          ? 'events may not list WEBHOOK_TEST: sendTestWebhook sends it to any endpoint, whatever it subscribed to.'
          : `events lists types the gateway does not send: ${unknown.slice(0, 5).join(', ')}.`,
      ),
    );
    return null;
  }
  return WEBHOOK_EVENT_TYPES.filter((type) => events.includes(type));
}

/** The description to store (null for none or blank); undefined (with an error) when refused. */
function checkDescription(description: string | null | undefined, errors: UserError[]): string | null | undefined {
  if (description === undefined || description === null) return null;
  const trimmed = description.trim();
  if (containsNul(trimmed)) {
    errors.push(userError(['input', 'description'], 'INVALID_VALUE', 'description may not contain the NUL character (U+0000).'));
    return undefined;
  }
  if (trimmed.length > MAX_ENDPOINT_DESCRIPTION_LENGTH) {
    errors.push(userError(['input', 'description'], 'INVALID_VALUE', `description must be at most ${MAX_ENDPOINT_DESCRIPTION_LENGTH} characters.`));
    return undefined;
  }
  return trimmed || null;
}
