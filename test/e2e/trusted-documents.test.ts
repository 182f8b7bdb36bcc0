/**
 * TRUSTED_DOCUMENTS (issue 11 point 9, DESIGN section 2), against the real gateway: with the
 * manifest `npm run codegen` writes, client keys run only the documents in it, named by hash (HTTP
 * and WebSocket); anything else from a client key is refused with 400 before any resolver runs;
 * server and admin keys still send any document; a bad manifest stops start-up naming the variable.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createClient } from 'graphql-ws';
import { request } from 'undici';
import WebSocket from 'ws';
import { ConfigError, loadConfig } from '../../src/config';
import { ADMIN_KEY, CLIENT_KEY, SERVER_KEY, startGateway, upstreamRequests, type TestGateway } from '../support/gateway';
import { INITIATE, VERIFY, orderInput } from '../support/operations';
import { initiated, paymentCount } from '../support/payments';
import { spawnGateway } from '../support/processes';

const MANIFEST = resolve(__dirname, '../../examples/generated/persisted-documents.json');
const manifest = JSON.parse(readFileSync(MANIFEST, 'utf8')) as Record<string, string>;
/** The manifest's hash (as the generated documents' __meta__.hash gives it) of the operation named `name`. */
function hashOf(name: string): string {
  const entry = Object.entries(manifest).find(([, text]) => new RegExp(`^(query|mutation|subscription) ${name}\\b`).test(text));
  if (!entry) throw new Error(`no ${name} in the manifest`);
  return entry[0];
}

async function post(gateway: TestGateway, body: Record<string, unknown>, key: string) {
  const response = await request(`${gateway.app.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify(body),
  });
  return { status: response.statusCode, body: (await response.body.json()) as any };
}

describe('TRUSTED_DOCUMENTS set to the generated manifest', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startGateway({ TRUSTED_DOCUMENTS: MANIFEST });
  });
  afterAll(() => gateway.close());

  it('runs a listed operation for a client key named by extensions.persistedQuery.sha256Hash (APQ format, bare hex)', async () => {
    const sha256Hash = hashOf('CheckoutConfig').replace(/^sha256:/, '');
    const result = await post(gateway, { extensions: { persistedQuery: { version: 1, sha256Hash } } }, CLIENT_KEY);
    expect(result.status).toBe(200);
    expect(result.body.errors).toBeUndefined();
    expect(result.body.data.checkoutConfig.environment).toBe('embedded');
  });

  it('runs a listed operation for a client key named by documentId, with variables', async () => {
    const result = await post(gateway, { documentId: hashOf('Banks'), variables: { type: 'EBANKING' } }, CLIENT_KEY);
    expect(result.status).toBe(200);
    expect(result.body.data.banks.length).toBeGreaterThan(0);
  });

  it('refuses an arbitrary document from a client key with 400, running nothing', async () => {
    const before = await paymentCount(gateway);
    const upstreamBefore = await upstreamRequests(gateway, 'initiate');
    const spy = jest.spyOn(gateway.app.services.initiate, 'initiate');
    try {
      const result = await post(gateway, { query: INITIATE, variables: { input: orderInput() } }, CLIENT_KEY);
      expect(result.status).toBe(400);
      expect(result.body.data).toBeUndefined();
      expect(result.body.errors).toEqual([
        expect.objectContaining({ message: expect.stringMatching(/^Client keys may run only the trusted documents .*TRUSTED_DOCUMENTS/), extensions: { code: 'BAD_USER_INPUT' } }),
      ]);
      expect(spy).not.toHaveBeenCalled();
    } finally {
      spy.mockRestore();
    }
    expect(await paymentCount(gateway)).toBe(before);
    expect(await upstreamRequests(gateway, 'initiate')).toBe(upstreamBefore);
  });

  it('refuses an unknown hash, and a query text that does not match the hash it names', async () => {
    const unknown = await post(gateway, { documentId: `sha256:${'0'.repeat(64)}` }, CLIENT_KEY);
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors[0]).toMatchObject({ message: expect.stringMatching(/is not one of this gateway's trusted documents/), extensions: { code: 'BAD_USER_INPUT' } });

    const swapped = await post(gateway, { query: '{ checkoutConfig { publicKey } }', documentId: hashOf('CheckoutConfig') }, CLIENT_KEY);
    expect(swapped.status).toBe(400);
    expect(swapped.body.errors[0].message).toMatch(/does not match the document named by its hash/);
  });

  it('still lets a client key send the exact text of a listed document', async () => {
    const result = await post(gateway, { query: manifest[hashOf('CheckoutConfig')] }, CLIENT_KEY);
    expect(result.status).toBe(200);
    expect(result.body.data.checkoutConfig.environment).toBe('embedded');
  });

  it('lets admin and server keys send any document', async () => {
    for (const key of [ADMIN_KEY, SERVER_KEY]) {
      const result = await post(gateway, { query: '{ checkoutConfig { environment } }' }, key);
      expect(result.status).toBe(200);
      expect(result.body.data.checkoutConfig.environment).toBe('embedded');
    }
  });

  it('applies to subscriptions over WebSocket: refused as text, run by hash', async () => {
    const { pidx } = await initiated(gateway, {}, SERVER_KEY);
    const clients: ReturnType<typeof createClient>[] = [];
    const firstOutcome = (payload: { query: string; variables: Record<string, unknown>; extensions?: Record<string, unknown> }) => {
      const client = createClient({
        url: `${gateway.app.url.replace(/^http/, 'ws')}/graphql`,
        webSocketImpl: WebSocket,
        connectionParams: { authorization: `Bearer ${CLIENT_KEY}` },
        retryAttempts: 0,
      });
      clients.push(client);
      const connected = new Promise<void>((resolveConnected) => client.on('connected', () => resolveConnected()));
      const outcome = new Promise<{ next?: any; error?: any }>((settle) => {
        client.subscribe(payload, { next: (next) => settle({ next }), error: (error) => settle({ error }), complete: () => undefined });
      });
      return { connected, outcome };
    };
    try {
      const refused = await firstOutcome({ query: 'subscription ($pidx: ID!) { paymentStatusChanged(pidx: $pidx) { status } }', variables: { pidx } }).outcome;
      expect(refused.error[0].message).toMatch(/^Client keys may run only the trusted documents/);

      const byHash = firstOutcome({ query: '', variables: { pidx }, extensions: { persistedQuery: { version: 1, sha256Hash: hashOf('PaymentStatusChanged') } } });
      await byHash.connected;
      await gateway.control('POST', `/payments/${pidx}/complete`, {});
      await post(gateway, { query: VERIFY, variables: { pidx } }, ADMIN_KEY);
      const event = await byHash.outcome;
      expect(event.error).toBeUndefined();
      expect(event.next.data.paymentStatusChanged.status).toBe('COMPLETED');
    } finally {
      for (const client of clients) await client.dispose();
    }
  });
});

describe('a bad TRUSTED_DOCUMENTS', () => {
  const dir = mkdtempSync(join(tmpdir(), 'trusted-documents-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const configError = (path: string) => {
    try {
      loadConfig({ TRUSTED_DOCUMENTS: path, GATEWAY_ADMIN_KEYS: ADMIN_KEY, GATEWAY_CLIENT_KEYS: CLIENT_KEY });
    } catch (error) {
      if (error instanceof ConfigError) return error.message;
      throw error;
    }
    throw new Error('loadConfig accepted it');
  };

  it('is refused at configuration for a missing file, bad JSON, or an entry that does not match its hash', () => {
    expect(configError(join(dir, 'missing.json'))).toMatch(/^TRUSTED_DOCUMENTS: cannot read ".*missing\.json" \(ENOENT\)$/);
    writeFileSync(join(dir, 'bad.json'), '{ not json');
    expect(configError(join(dir, 'bad.json'))).toMatch(/^TRUSTED_DOCUMENTS: .* is not JSON/);
    writeFileSync(join(dir, 'tampered.json'), JSON.stringify({ [hashOf('CheckoutConfig')]: '{ payments { totalCount } }' }));
    expect(configError(join(dir, 'tampered.json'))).toMatch(/^TRUSTED_DOCUMENTS: .* does not have that hash$/);
    writeFileSync(join(dir, 'empty.json'), '{}');
    expect(configError(join(dir, 'empty.json'))).toMatch(/^TRUSTED_DOCUMENTS: .* lists no documents$/);
  });

  it('stops start-up with one line naming TRUSTED_DOCUMENTS', async () => {
    const gateway = spawnGateway({ PORT: '0', DATABASE_URL: `file:${join(dir, 'gateway.sqlite')}`, TRUSTED_DOCUMENTS: join(dir, 'missing.json') });
    expect(await gateway.exited).toBe(2);
    expect(gateway.output().trim().split('\n')).toEqual([`Configuration error: TRUSTED_DOCUMENTS: cannot read "${join(dir, 'missing.json')}" (ENOENT)`]);
  });
});
