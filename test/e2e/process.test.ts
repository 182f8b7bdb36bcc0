/**
 * The gateway as a process, the way `npm start` runs it: start-up output, generated dev keys,
 * configuration and storage errors, the address it really listens on, and a graceful shutdown
 * that turns /readyz to 503 and lets in-flight requests finish.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { request } from 'undici';
import { openSqliteDatabase } from '../../src/db/sqlite/sqlite-database';
import { EMULATOR_KEY, startEmulator } from '../support/emulator';
import { startGatedKhalti } from '../support/gated-khalti';
import { spawnGateway as start, startGatewayProcess } from '../support/processes';
import { describeOnSqlite } from '../support/engine';

const ADMIN = 'process-admin-key-0123456789abcdef';
const CLIENT = 'process-client-key-0123456789abcdef';

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
      // SIGTERM once the request has reached Khalti (which holds it 700 ms): polled, with a deadline.
      const banksAtKhalti = async () => {
        const log = (await (await request(`${url}/sandbox/__control/requests`)).body.json()) as { route: string; status?: number }[];
        return log.filter((entry) => entry.route === 'banks');
      };
      for (let i = 0; i < 200 && (await banksAtKhalti()).length === 0; i++) await new Promise((wait) => setTimeout(wait, 10));
      expect((await banksAtKhalti()).map((entry) => entry.status)).toEqual([undefined]);
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

  it('refuses unsafe production settings with one line naming the variable', async () => {
    // spawnGateway runs with NODE_ENV=development, the setting production refuses first.
    const gateway = start({
      KHALTI_ENV: 'production',
      KHALTI_SECRET_KEY: 'live_secret_key_0123456789',
      GATEWAY_ADMIN_KEYS: ADMIN,
      PUBLIC_URL: 'https://pay.shop.example.com',
      RETURN_URL_ORIGINS: 'https://shop.example.com',
      PORT: '0',
      DATABASE_URL: `file:${join(dir, 'prod.sqlite')}`,
    });
    try {
      expect(await gateway.exited).toBe(2);
      expect(gateway.output().trim().split('\n')).toEqual([
        'Configuration error: NODE_ENV: must be production when KHALTI_ENV=production (it is "development"); it turns off introspection and error details',
      ]);
    } finally {
      gateway.child.kill('SIGKILL');
    }
  });

  describeOnSqlite('a DATABASE_URL that cannot be the store stops start-up with one line naming it', () => {
    const cases: [string, () => string, RegExp][] = [
      ['a folder that does not exist', () => `file:${join(dir, 'no-such-folder', 'gw.sqlite')}`, /^DATABASE_URL: the folder \S+no-such-folder does not exist/],
      [
        'a file that is not a SQLite database',
        () => {
          const file = join(dir, 'garbage.sqlite');
          writeFileSync(file, Buffer.alloc(8192, 'garbage '));
          return `file:${file}`;
        },
        /^DATABASE_URL: file:\S+garbage\.sqlite is not a SQLite database$/,
      ],
      [
        'a folder given as the file',
        () => {
          const file = join(dir, 'folder.sqlite');
          mkdirSync(file, { recursive: true });
          return `file:${file}`;
        },
        /^DATABASE_URL: file:\S+folder\.sqlite is a folder, not a database file$/,
      ],
    ];
    it.each(cases)('%s', async (_what, url, message) => {
      const gateway = start({ PORT: '0', HOST: '127.0.0.1', DATABASE_URL: url() });
      try {
        expect(await gateway.exited).toBe(2);
        const lines = gateway.output().trim().split('\n');
        expect(lines).toHaveLength(1);
        expect(lines[0]).toMatch(/^Configuration error: /);
        expect(lines[0]!.slice('Configuration error: '.length)).toMatch(message);
        expect(gateway.output()).not.toMatch(/\n\s+at /);
      } finally {
        gateway.child.kill('SIGKILL');
      }
    });
  });

  describe('a PostgreSQL DATABASE_URL that cannot be used stops start-up with one line naming it, without its password', () => {
    it.each([
      ['nothing listening there', 'postgres://root:pw-0123456789@127.0.0.1:1/khalti', /^DATABASE_URL: /],
      ['a database that does not exist', 'postgres://root:pw-0123456789@127.0.0.1:5432/khalti_no_such_database', /^DATABASE_URL: .*does not exist/],
      ['a URL that does not parse', 'postgres://root:pw-0123456789@', /^DATABASE_URL: is not a valid postgres:/],
    ])('%s', async (_what, url, message) => {
      const gateway = start({ PORT: '0', HOST: '127.0.0.1', DATABASE_URL: url });
      try {
        expect(await gateway.exited).toBe(2);
        const lines = gateway.output().trim().split('\n');
        expect(lines).toHaveLength(1);
        expect(lines[0]!.slice('Configuration error: '.length)).toMatch(message);
        expect(gateway.output()).not.toContain('pw-0123456789');
      } finally {
        gateway.child.kill('SIGKILL');
      }
    });
  });

  describeOnSqlite('a database file this user may not write or read stops start-up naming DATABASE_URL', () => {
    // Root may write a chmod 444 file and read a chmod 000 one: as root, run the gateway as nobody.
    const as = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : undefined;
    // Nobody must be able to read the checkout to run it (a clone in a private folder, such as a
    // 0700 temporary one, is not): otherwise these cases cannot be shown here, and are skipped.
    const root = resolve(__dirname, '..', '..');
    const runnable = !as || spawnSync(process.execPath, ['--import', 'tsx', '-e', '0'], { cwd: root, uid: as.uid, gid: as.gid, timeout: 20000 }).status === 0;
    const itCan = runnable ? it : it.skip;
    let folder: string;
    beforeAll(() => {
      folder = mkdtempSync(join(tmpdir(), 'khalti-graphql-perm-'));
      chmodSync(folder, 0o777);
    });
    afterAll(() => {
      if (existsSync(join(folder, 'ro-folder'))) chmodSync(join(folder, 'ro-folder'), 0o777);
      rmSync(folder, { recursive: true, force: true });
    });

    /** A migrated database, as a previous run left it, then chmod'ed. */
    const database = (name: string, mode: number, folderMode = 0o777): string => {
      const sub = join(folder, name);
      mkdirSync(sub, { mode: 0o777 });
      chmodSync(sub, 0o777);
      const file = join(sub, 'gw.sqlite');
      openSqliteDatabase(`file:${file}`).closeNow();
      chmodSync(file, mode);
      chmodSync(sub, folderMode);
      return `file:${file}`;
    };

    itCan.each([
      ['a read-only file', () => database('ro', 0o444), 'is read-only (the gateway must write the file and create the -wal and -shm files beside it)'],
      ['a writable file in a read-only folder', () => database('ro-folder', 0o666, 0o555), 'is read-only (the gateway must write the file and create the -wal and -shm files beside it)'],
      ['an unreadable file', () => database('unreadable', 0o000), 'cannot be opened (the gateway must read and write it and create files in its folder)'],
    ])('%s', async (_what, make, message) => {
      const url = make();
      const gateway = start({ PORT: '0', HOST: '127.0.0.1', DATABASE_URL: url }, as);
      try {
        expect(await gateway.exited).toBe(2);
        expect(gateway.output().trim().split('\n')).toEqual([`Configuration error: DATABASE_URL: ${url} ${message}`]);
      } finally {
        gateway.child.kill('SIGKILL');
      }
    });
  });

  it('listens on 127.0.0.1 in embedded mode unless HOST says otherwise, and says so', async () => {
    const gateway = start({ PORT: '0', HOST: '', DATABASE_URL: `file:${join(dir, 'host.sqlite')}` });
    try {
      const [, url] = await gateway.waitFor(/khalti-graphql listening on (\S+) \(KHALTI_ENV=embedded/);
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect((await request(`${url}/healthz`)).statusCode).toBe(200);
      // Another address of this machine is refused: Linux routes all of 127.0.0.0/8 to loopback,
      // where a listener on all interfaces would accept it (see the next test).
      const port = new URL(url!).port;
      await expect(request(`http://127.0.0.2:${port}/healthz`)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    } finally {
      gateway.child.kill('SIGKILL');
    }
  });

  it('names all interfaces when it listens on them (the default outside embedded mode)', async () => {
    const gateway = start({
      PORT: '0',
      HOST: '',
      KHALTI_ENV: 'sandbox',
      KHALTI_BASE_URL: 'http://127.0.0.1:9',
      KHALTI_SECRET_KEY: EMULATOR_KEY,
      GATEWAY_ADMIN_KEYS: ADMIN,
      DATABASE_URL: `file:${join(dir, 'all.sqlite')}`,
    });
    try {
      const [, port] = await gateway.waitFor(/khalti-graphql listening on http:\/\/0\.0\.0\.0:(\d+) \(all interfaces\) \(KHALTI_ENV=sandbox/);
      expect((await request(`http://127.0.0.1:${port}/healthz`)).statusCode).toBe(200);
      expect((await request(`http://127.0.0.2:${port}/healthz`)).statusCode).toBe(200);
    } finally {
      gateway.child.kill('SIGKILL');
    }
  });

  it('on SIGTERM answers /readyz 503 and still serves through SHUTDOWN_DELAY_MS, then drains the request in flight', async () => {
    const emulator = await startEmulator();
    const gate = await startGatedKhalti(emulator.url);
    const gateway = await startGatewayProcess({
      KHALTI_ENV: 'sandbox',
      KHALTI_BASE_URL: gate.url,
      KHALTI_SECRET_KEY: EMULATOR_KEY,
      GATEWAY_ADMIN_KEYS: ADMIN,
      GATEWAY_CLIENT_KEYS: CLIENT,
      DATABASE_URL: `file:${join(dir, 'drain.sqlite')}`,
      // Longer than the test: the second SIGTERM ends it, so nothing here depends on timing.
      SHUTDOWN_DELAY_MS: '600000',
    });
    const held = gate.hold('/api/v5/bank/');
    try {
      expect((await request(`${gateway.url}/readyz`)).statusCode).toBe(200);
      const inFlight = gateway.gql('{ banks(type: EBANKING) { idx } }', {}, CLIENT);
      await held.arrived;

      gateway.child.kill('SIGTERM');
      await gateway.waitFor(/SIGTERM: draining: \/readyz answers 503; requests are served for 600000 ms more/);
      const ready = await request(`${gateway.url}/readyz`);
      expect(ready.statusCode).toBe(503);
      expect(await ready.body.json()).toMatchObject({ reason: 'shutting_down' });
      // Load balancers that have not noticed yet are still served.
      expect((await gateway.gql('{ checkoutConfig { environment } }', {}, CLIENT)).data.checkoutConfig.environment).toBe('sandbox');

      gateway.child.kill('SIGTERM');
      held.release();
      const answer = await inFlight;
      expect(answer.data.banks.length).toBeGreaterThan(0);
      expect(await gateway.exited).toBe(0);
    } finally {
      held.release();
      gateway.child.kill('SIGKILL');
      await gate.close();
      await emulator.close();
    }
  });
});
