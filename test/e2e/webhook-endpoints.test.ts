/**
 * Webhook endpoints over the gateway's HTTP port (issue 10 part 1): an admin creates, lists,
 * updates, rotates and deletes them; client and server keys are FORBIDDEN; URLs on private
 * addresses are refused unless WEBHOOK_ALLOW_PRIVATE, plain http in production; the secret is
 * shown only by create and rotate, never listed, logged or audited; bad input writes nothing;
 * without WEBHOOK_SIGNING_KEY outside embedded mode endpoints cannot be created; embedded mode's
 * generated key survives a restart, so secrets do too.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { endpointSecret } from '../../src/webhooks/webhook-secrets';
import { queryRows, rowCount } from '../support/database';
import { describeOnSqlite } from '../support/engine';
import { ADMIN_KEY, CLIENT_KEY, SERVER_KEY, startGateway, type TestGateway } from '../support/gateway';
import { AUDIT_LOG } from '../support/operations';

const SIGNING_KEY = 'e2e-webhook-signing-key-0123456789abcdef';
/** A public address as an IP literal: accepted without DNS, never contacted (no delivery worker here). */
const PUBLIC_URL = 'https://93.184.216.34/hooks/khalti?token=path-token-7f3a';
const ENDPOINT = 'id url events description enabled disabledReason createdAt';
const CREATE = `mutation ($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { endpoint { ${ENDPOINT} } secret userErrors { field code message } } }`;
const UPDATE = `mutation ($input: UpdateWebhookEndpointInput!) { updateWebhookEndpoint(input: $input) { endpoint { ${ENDPOINT} } secret userErrors { field code message } } }`;
const ROTATE = `mutation ($id: ID!) { rotateWebhookSecret(id: $id) { endpoint { ${ENDPOINT} } secret userErrors { field code message } } }`;
const DELETE = 'mutation ($id: ID!) { deleteWebhookEndpoint(id: $id) }';
const LIST = `{ webhookEndpoints { ${ENDPOINT} } }`;

const create = (gateway: TestGateway, input: Record<string, unknown>, key: string = ADMIN_KEY) => gateway.gql(CREATE, { input }, key);

/** What admin changes have written: endpoints and webhook audit rows (both must stay put on a refusal). */
async function written(gateway: TestGateway): Promise<{ endpoints: number; audit: number }> {
  const audit = await queryRows(gateway.app.database, "SELECT id FROM audit_log WHERE kind = 'webhook'");
  return { endpoints: await rowCount(gateway.app.database, 'webhook_endpoints'), audit: audit.length };
}

describe('webhook endpoints over HTTP', () => {
  let strict: TestGateway;
  let open: TestGateway;
  let production: TestGateway;
  let unconfigured: TestGateway;
  beforeAll(async () => {
    [strict, open, production, unconfigured] = await Promise.all([
      startGateway({ WEBHOOK_ALLOW_PRIVATE: 'false', WEBHOOK_SIGNING_KEY: SIGNING_KEY }),
      // Embedded defaults: private addresses allowed, a generated signing key.
      startGateway(),
      startGateway({ NODE_ENV: 'production', WEBHOOK_SIGNING_KEY: SIGNING_KEY }),
      // Not embedded and no WEBHOOK_SIGNING_KEY. Khalti is never called by these tests.
      startGateway({ KHALTI_ENV: 'sandbox', KHALTI_SECRET_KEY: 'test-merchant-secret-key-0123456789', KHALTI_BASE_URL: 'http://127.0.0.1:9' }),
    ]);
  });
  afterAll(() => Promise.all([strict, open, production, unconfigured].map((gateway) => gateway.close())));

  it('lets an admin create, list, update, rotate and delete an endpoint, the secret shown only by create and rotate', async () => {
    const created = await create(strict, { url: PUBLIC_URL, events: ['PAYMENT_COMPLETED', 'REFUND_SUCCEEDED', 'PAYMENT_COMPLETED'], description: ' Shop backend ' });
    expect(created.errors).toBeUndefined();
    const { endpoint, secret, userErrors } = created.data.createWebhookEndpoint;
    expect(userErrors).toEqual([]);
    expect(endpoint).toEqual({
      id: expect.stringMatching(/^ep_[0-9a-z]{26}$/),
      url: PUBLIC_URL,
      events: ['PAYMENT_COMPLETED', 'REFUND_SUCCEEDED'],
      description: 'Shop backend',
      enabled: true,
      disabledReason: null,
      createdAt: expect.any(String),
    });
    // Derived from WEBHOOK_SIGNING_KEY, the endpoint's id and generation 1: Standard Webhooks' whsec_ form.
    expect(secret).toBe(endpointSecret(SIGNING_KEY, endpoint.id, 1));
    expect(Buffer.from(secret.slice('whsec_'.length), 'base64')).toHaveLength(32);
    // Stored as wire types.
    expect(await queryRows(strict.app.database, 'SELECT events FROM webhook_endpoints WHERE id = ?', endpoint.id)).toEqual([
      { events: '["payment.completed","refund.succeeded"]' },
    ]);

    const listed = await strict.gql(LIST, {}, ADMIN_KEY);
    expect(listed.data.webhookEndpoints).toEqual([endpoint]);

    // Fields left out stay as they are; description: null removes it.
    const disabled = await strict.gql(UPDATE, { input: { id: endpoint.id, enabled: false, events: ['PAYMENT_FAILED'] } }, ADMIN_KEY);
    expect(disabled.data.updateWebhookEndpoint).toEqual({
      endpoint: { ...endpoint, enabled: false, events: ['PAYMENT_FAILED'] },
      secret: null,
      userErrors: [],
    });
    const moved = await strict.gql(UPDATE, { input: { id: endpoint.id, enabled: true, url: 'https://1.1.1.1/other', description: null } }, ADMIN_KEY);
    expect(moved.data.updateWebhookEndpoint.endpoint).toMatchObject({ enabled: true, url: 'https://1.1.1.1/other', events: ['PAYMENT_FAILED'], description: null });

    const rotated = await strict.gql(ROTATE, { id: endpoint.id }, ADMIN_KEY);
    expect(rotated.data.rotateWebhookSecret.userErrors).toEqual([]);
    expect(rotated.data.rotateWebhookSecret.secret).toBe(endpointSecret(SIGNING_KEY, endpoint.id, 2));
    expect(rotated.data.rotateWebhookSecret.secret).not.toBe(secret);
    const [row] = await queryRows<{ secret_generation: number; previous_secret_until: unknown }>(
      strict.app.database,
      'SELECT secret_generation, previous_secret_until FROM webhook_endpoints WHERE id = ?',
      endpoint.id,
    );
    expect(row!.secret_generation).toBe(2);
    const previousUntil = new Date(row!.previous_secret_until as number).getTime();
    expect(Math.abs(previousUntil - (Date.now() + 24 * 60 * 60 * 1000))).toBeLessThan(60_000);

    expect((await strict.gql(DELETE, { id: endpoint.id }, ADMIN_KEY)).data.deleteWebhookEndpoint).toBe(true);
    expect((await strict.gql(LIST, {}, ADMIN_KEY)).data.webhookEndpoints).toEqual([]);
    // Soft: the row stays (its deliveries name it), and a deleted endpoint is as good as unknown.
    expect(await rowCount(strict.app.database, 'webhook_endpoints')).toBe(1);
    expect((await strict.gql(DELETE, { id: endpoint.id }, ADMIN_KEY)).data.deleteWebhookEndpoint).toBe(false);
    expect((await strict.gql(ROTATE, { id: endpoint.id }, ADMIN_KEY)).data.rotateWebhookSecret).toEqual({
      endpoint: null,
      secret: null,
      userErrors: [{ field: ['id'], code: 'INVALID_VALUE', message: expect.stringContaining('No webhook endpoint') }],
    });
    expect((await strict.gql(UPDATE, { input: { id: endpoint.id, enabled: false } }, ADMIN_KEY)).data.updateWebhookEndpoint.userErrors).toEqual([
      expect.objectContaining({ field: ['input', 'id'], code: 'INVALID_VALUE' }),
    ]);

    // One audit row per change, by the admin's key id, naming the endpoint and the URL's host only.
    const audit = await strict.gql(AUDIT_LOG, { first: 100 }, ADMIN_KEY);
    const rows = audit.data.auditLog.edges.map((edge: any) => edge.node).filter((entry: any) => entry.kind === 'webhook').reverse();
    expect(rows.map((entry: any) => entry.operation)).toEqual([
      'webhook_endpoint_created',
      'webhook_endpoint_updated',
      'webhook_endpoint_updated',
      'webhook_secret_rotated',
      'webhook_endpoint_deleted',
    ]);
    for (const entry of rows) {
      expect(entry).toMatchObject({ pidx: null, actor: expect.stringMatching(/^key_[0-9a-f]{12}$/) });
      expect(JSON.parse(entry.detail)).toMatchObject({ endpointId: endpoint.id });
    }
    expect(JSON.parse(rows[0].detail)).toEqual({ endpointId: endpoint.id, host: '93.184.216.34', events: ['payment.completed', 'refund.succeeded'] });
    expect(JSON.parse(rows[2].detail)).toMatchObject({ host: '1.1.1.1', previousHost: '93.184.216.34', enabled: true });
    expect(JSON.parse(rows[2].detail).changed.sort()).toEqual(['description', 'enabled', 'url']);

    // The secrets appear nowhere but in those two answers: not in the list, the audit log (API or table) or the logs.
    const stored = JSON.stringify(await queryRows(strict.app.database, 'SELECT * FROM audit_log'));
    const endpointRows = JSON.stringify(await queryRows(strict.app.database, 'SELECT * FROM webhook_endpoints'));
    for (const text of [JSON.stringify(listed), JSON.stringify(audit), stored, endpointRows, strict.logs.join('\n')]) {
      for (const value of [secret, rotated.data.rotateWebhookSecret.secret, secret.slice('whsec_'.length), SIGNING_KEY]) expect(text).not.toContain(value);
    }
    // Audit rows name the URL's host, not its path or query (which may carry a token).
    for (const text of [JSON.stringify(audit), stored]) expect(text).not.toContain('path-token-7f3a');
  });

  it('is FORBIDDEN to client and server keys, which write nothing', async () => {
    const before = await written(strict);
    for (const key of [CLIENT_KEY, SERVER_KEY]) {
      for (const [query, variables] of [
        [LIST, {}],
        [CREATE, { input: { url: PUBLIC_URL, events: ['PAYMENT_COMPLETED'] } }],
        [UPDATE, { input: { id: 'ep_x', enabled: false } }],
        [ROTATE, { id: 'ep_x' }],
        [DELETE, { id: 'ep_x' }],
      ] as const) {
        const result = await strict.gql(query, variables, key);
        expect(result.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
        expect(result.data).toBeNull();
      }
    }
    expect((await strict.gql(LIST, {}, null)).status).toBe(401);
    expect(await written(strict)).toEqual(before);
  });

  it('refuses a URL on a private address with a userError on url unless WEBHOOK_ALLOW_PRIVATE, and writes nothing', async () => {
    const before = await written(strict);
    for (const url of ['http://127.0.0.1:1/x', 'http://localhost:1/x', 'http://[::1]:1/x', 'http://10.1.2.3/x', 'http://169.254.169.254/latest']) {
      const refused = await create(strict, { url, events: ['PAYMENT_COMPLETED'] });
      expect(refused.data.createWebhookEndpoint).toEqual({
        endpoint: null,
        secret: null,
        userErrors: [{ field: ['input', 'url'], code: 'INVALID_URL', message: expect.stringMatching(/WEBHOOK_ALLOW_PRIVATE=true/) }],
      });
    }
    // Changing an endpoint's URL is checked the same way.
    const id = (await create(strict, { url: PUBLIC_URL, events: ['PAYMENT_COMPLETED'] })).data.createWebhookEndpoint.endpoint.id;
    const afterCreate = await written(strict);
    const moved = await strict.gql(UPDATE, { input: { id, url: 'http://127.0.0.1:1/x' } }, ADMIN_KEY);
    expect(moved.data.updateWebhookEndpoint.userErrors).toEqual([expect.objectContaining({ field: ['input', 'url'], code: 'INVALID_URL' })]);
    expect(await written(strict)).toEqual(afterCreate);
    expect(afterCreate).toEqual({ endpoints: before.endpoints + 1, audit: before.audit + 1 });
    expect((await queryRows(strict.app.database, 'SELECT url FROM webhook_endpoints WHERE id = ?', id))[0]).toEqual({ url: PUBLIC_URL });

    const accepted = await create(open, { url: 'http://127.0.0.1:1/x', events: ['PAYMENT_COMPLETED'] });
    expect(accepted.data.createWebhookEndpoint).toMatchObject({ userErrors: [], endpoint: { url: 'http://127.0.0.1:1/x' }, secret: expect.stringMatching(/^whsec_/) });
  });

  it('requires https in production', async () => {
    const refused = await create(production, { url: 'http://93.184.216.34/hooks', events: ['PAYMENT_COMPLETED'] });
    expect(refused.data.createWebhookEndpoint.userErrors).toEqual([{ field: ['input', 'url'], code: 'INVALID_URL', message: 'url must be https in production.' }]);
    expect(await written(production)).toEqual({ endpoints: 0, audit: 0 });
    const accepted = await create(production, { url: 'https://93.184.216.34/hooks', events: ['PAYMENT_COMPLETED'] });
    expect(accepted.data.createWebhookEndpoint.userErrors).toEqual([]);
  });

  it('answers bad input with errors naming the field, and writes nothing', async () => {
    const before = await written(strict);
    const cases: [Record<string, unknown>, string[], string][] = [
      [{ url: PUBLIC_URL, events: [] }, ['input', 'events'], 'BLANK'],
      [{ url: PUBLIC_URL, events: ['WEBHOOK_TEST'] }, ['input', 'events'], 'INVALID_VALUE'],
      [{ url: PUBLIC_URL, events: ['PAYMENT_COMPLETED'], description: 'x'.repeat(501) }, ['input', 'description'], 'INVALID_VALUE'],
      [{ url: PUBLIC_URL, events: ['PAYMENT_COMPLETED'], description: 'a\u0000b' }, ['input', 'description'], 'INVALID_VALUE'],
      [{ url: '', events: ['PAYMENT_COMPLETED'] }, ['input', 'url'], 'BLANK'],
      [{ url: 'ftp://93.184.216.34/x', events: ['PAYMENT_COMPLETED'] }, ['input', 'url'], 'INVALID_URL'],
      [{ url: 'https://user:pw@93.184.216.34/x', events: ['PAYMENT_COMPLETED'] }, ['input', 'url'], 'INVALID_URL'],
      [{ url: 'https://93.184.216.34/x#frag', events: ['PAYMENT_COMPLETED'] }, ['input', 'url'], 'INVALID_URL'],
      [{ url: 'https://no-such-host.invalid/x', events: ['PAYMENT_COMPLETED'] }, ['input', 'url'], 'INVALID_URL'],
    ];
    for (const [input, field, code] of cases) {
      const result = await create(strict, input);
      expect(result.errors).toBeUndefined();
      expect(result.data.createWebhookEndpoint).toEqual({ endpoint: null, secret: null, userErrors: [expect.objectContaining({ field, code })] });
    }
    // Several problems at once are all named.
    const several = await create(strict, { url: 'nonsense', events: [] });
    expect(several.data.createWebhookEndpoint.userErrors.map((error: any) => error.field)).toEqual([['input', 'events'], ['input', 'url']]);
    // An enum value the schema does not have never reaches the service.
    expect((await create(strict, { url: PUBLIC_URL, events: ['PAYMENT_SHIPPED'] })).errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const unknown = await strict.gql(UPDATE, { input: { id: 'ep_nosuchendpoint', enabled: false } }, ADMIN_KEY);
    expect(unknown.data.updateWebhookEndpoint.userErrors).toEqual([expect.objectContaining({ field: ['input', 'id'], code: 'INVALID_VALUE' })]);
    expect((await strict.gql(DELETE, { id: 'ep_nosuchendpoint' }, ADMIN_KEY)).data.deleteWebhookEndpoint).toBe(false);
    expect((await strict.gql(ROTATE, { id: 'ep_nosuchendpoint' }, ADMIN_KEY)).data.rotateWebhookSecret.userErrors).toEqual([
      expect.objectContaining({ field: ['id'], code: 'INVALID_VALUE' }),
    ]);
    expect(await written(strict)).toEqual(before);
  });

  it('cannot create or rotate without WEBHOOK_SIGNING_KEY outside embedded mode: WEBHOOKS_NOT_CONFIGURED, nothing written', async () => {
    const refused = await create(unconfigured, { url: PUBLIC_URL, events: ['PAYMENT_COMPLETED'] });
    expect(refused.data.createWebhookEndpoint).toEqual({
      endpoint: null,
      secret: null,
      userErrors: [{ field: null, code: 'WEBHOOKS_NOT_CONFIGURED', message: expect.stringContaining('WEBHOOK_SIGNING_KEY') }],
    });
    expect((await unconfigured.gql(ROTATE, { id: 'ep_any' }, ADMIN_KEY)).data.rotateWebhookSecret.userErrors).toEqual([
      expect.objectContaining({ field: null, code: 'WEBHOOKS_NOT_CONFIGURED' }),
    ]);
    expect(await written(unconfigured)).toEqual({ endpoints: 0, audit: 0 });
    expect((await unconfigured.gql(LIST, {}, ADMIN_KEY)).data.webhookEndpoints).toEqual([]);
  });
});

describeOnSqlite('embedded mode without WEBHOOK_SIGNING_KEY across a restart', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'khalti-webhook-key-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps the generated signing key beside the database (0600), so the restarted gateway derives the same secrets', async () => {
    const env = { DATABASE_URL: `file:${join(dir, 'gw.sqlite')}` };
    const first = await startGateway(env, { keepEmbeddedState: true });
    const created = (await create(first, { url: 'http://127.0.0.1:1/x', events: ['PAYMENT_COMPLETED'] })).data.createWebhookEndpoint;
    await first.close();
    const file = join(dir, 'gw.sqlite-webhook-signing-key');
    const key = readFileSync(file, 'utf8').trim();
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(created.secret).toBe(endpointSecret(key, created.endpoint.id, 1));

    const second = await startGateway(env, { keepEmbeddedState: true });
    try {
      const rotated = (await second.gql(ROTATE, { id: created.endpoint.id }, ADMIN_KEY)).data.rotateWebhookSecret;
      expect(rotated.secret).toBe(endpointSecret(key, created.endpoint.id, 2));
      expect(readFileSync(file, 'utf8').trim()).toBe(key);
      for (const text of [first.logs.join('\n'), second.logs.join('\n')]) expect(text).not.toContain(key);
    } finally {
      await second.close();
    }
  });
});
