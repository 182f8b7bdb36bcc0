/**
 * The gateway as a process, the way `npm start` runs it: start-up output, generated dev keys,
 * configuration errors, and a graceful shutdown that lets in-flight requests finish.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { spawnGateway as start } from '../support/processes';

describe('the gateway process', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'khalti-graphql-process-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('starts embedded with nothing configured, prints GraphiQL and dev keys, and drains on SIGTERM', async () => {
    const gateway = start({ PORT: '0', HOST: '127.0.0.1', DATABASE_URL: `file:${join(dir, 'gw.sqlite')}`, PUBLIC_URL: '' });
    try {
      const [, url] = await gateway.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
      await gateway.waitFor(/GraphiQL: http:\/\/localhost:\d+\/graphql/);
      const [, adminKey] = await gateway.waitFor(/admin:\s+(kg_admin_[A-Za-z0-9_-]+)/);
      const [, clientKey] = await gateway.waitFor(/client:\s+(kg_client_[A-Za-z0-9_-]+)/);

      const gql = async (query: string, key: string) => {
        const response = await request(`${url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
          body: JSON.stringify({ query }),
        });
        return (await response.body.json()) as any;
      };
      expect((await gql('{ checkoutConfig { environment } }', clientKey!)).data.checkoutConfig.environment).toBe('embedded');
      expect((await gql('{ payments { totalCount } }', adminKey!)).data.payments.totalCount).toBe(0);

      // A request still in flight when SIGTERM arrives is answered before the process exits.
      await request(`${url}/sandbox/__control/faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ route: 'banks', kind: 'latency', ms: 700 }),
      });
      const inFlight = gql('{ banks(type: EBANKING) { idx } }', clientKey!);
      await new Promise((wait) => setTimeout(wait, 200));
      gateway.child.kill('SIGTERM');
      const answer = await inFlight;
      expect(answer.data.banks.length).toBeGreaterThan(0);
      expect(await gateway.exited).toBe(0);
      expect(gateway.output()).toContain('SIGTERM: draining');
      // stdout is JSON lines (pino): the start-up line too.
      const started = gateway.output().split('\n').find((line) => line.includes('listening on'))!;
      expect(JSON.parse(started)).toMatchObject({ level: 'info', msg: expect.stringMatching(/^khalti-graphql listening on /), time: expect.any(String) });
    } finally {
      gateway.child.kill('SIGKILL');
    }
  });

  it('refuses to start on bad configuration with one line naming the variable', async () => {
    const gateway = start({ KHALTI_ENV: 'sandbox', PORT: '0', DATABASE_URL: `file:${join(dir, 'bad.sqlite')}` });
    expect(await gateway.exited).toBe(2);
    const lines = gateway.output().trim().split('\n');
    expect(lines).toEqual(['Configuration error: KHALTI_SECRET_KEY: is required when KHALTI_ENV=sandbox']);
  });
});
