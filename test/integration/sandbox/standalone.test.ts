import { request } from 'undici';
import { EMULATOR_DEFAULT_SECRET_KEY } from '../../../src/sandbox/emulator.defaults';
import { standaloneConfig, startStandalone } from '../../../src/sandbox/main';

describe('standaloneConfig', () => {
  it('defaults: port 4010, the public default key, publicUrl on localhost', () => {
    expect(standaloneConfig({})).toEqual({
      port: 4010,
      secretKey: EMULATOR_DEFAULT_SECRET_KEY,
      keyConfigured: false,
      publicUrl: 'http://localhost:4010',
    });
  });

  it('reads SANDBOX_PORT, KHALTI_SECRET_KEY and SANDBOX_PUBLIC_URL', () => {
    expect(
      standaloneConfig({ SANDBOX_PORT: '5000', KHALTI_SECRET_KEY: 'live_secret_abc', SANDBOX_PUBLIC_URL: 'https://pay.test.example/' }),
    ).toEqual({ port: 5000, secretKey: 'live_secret_abc', keyConfigured: true, publicUrl: 'https://pay.test.example' });
  });

  it('fails with one line naming the variable', () => {
    expect(() => standaloneConfig({ SANDBOX_PORT: 'http' })).toThrow(/^SANDBOX_PORT /);
    expect(() => standaloneConfig({ SANDBOX_PORT: '70000' })).toThrow(/^SANDBOX_PORT /);
    expect(() => standaloneConfig({ SANDBOX_PUBLIC_URL: 'localhost:4010' })).toThrow(/^SANDBOX_PUBLIC_URL /);
  });
});

describe('startStandalone', () => {
  async function run(env: NodeJS.ProcessEnv) {
    const lines: string[] = [];
    const running = await startStandalone({ ...standaloneConfig(env), port: 0 }, (l) => lines.push(l));
    return { running, lines };
  }

  it('prints one line with the API, the payment page and the default key; serves the emulator at /', async () => {
    const { running, lines } = await run({ SANDBOX_PUBLIC_URL: 'http://localhost:4010' });
    try {
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain('http://localhost:4010/api/v2/');
      expect(lines[0]).toContain('http://localhost:4010/pay?pidx=');
      expect(lines[0]).toContain(EMULATOR_DEFAULT_SECRET_KEY);
      const r = await request(`http://127.0.0.1:${running.port}/api/v5/bank/?payment_type=ebanking`);
      expect(r.statusCode).toBe(200);
      await r.body.json();
      const auth = await request(`http://127.0.0.1:${running.port}/api/v2/epayment/lookup/`, {
        method: 'POST',
        headers: { authorization: `Key ${EMULATOR_DEFAULT_SECRET_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ pidx: 'x' }),
      });
      expect(auth.statusCode).toBe(404); // authenticated, then not found
      await auth.body.text();
    } finally {
      await running.close();
    }
  });

  it('never prints a configured key, and accepts only that key', async () => {
    const { running, lines } = await run({ KHALTI_SECRET_KEY: 'configured_secret_9f8e7d' });
    try {
      expect(lines[0]).not.toContain('configured_secret_9f8e7d');
      expect(lines[0]).not.toContain(EMULATOR_DEFAULT_SECRET_KEY);
      expect(lines[0]).toContain('KHALTI_SECRET_KEY');
      const lookup = (key: string) =>
        request(`http://127.0.0.1:${running.port}/api/v2/epayment/lookup/`, {
          method: 'POST',
          headers: { authorization: `Key ${key}`, 'content-type': 'application/json' },
          body: JSON.stringify({ pidx: 'x' }),
        }).then(async (r) => {
          await r.body.text();
          return r.statusCode;
        });
      expect(await lookup(EMULATOR_DEFAULT_SECRET_KEY)).toBe(401);
      expect(await lookup('configured_secret_9f8e7d')).toBe(404);
    } finally {
      await running.close();
    }
  });
});
