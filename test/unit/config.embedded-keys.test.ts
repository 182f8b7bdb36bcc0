/**
 * Embedded mode's generated keys across restarts (DESIGN section 2): kept in a 0600 file named
 * after the SQLite file, reused by every later start, agreed on by processes that start at once;
 * never for :memory: or PostgreSQL; a file that is not a keys file stops start-up with one line.
 */
import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ConfigError, embeddedStateLocation, generateApiKey, keepEmbeddedKeys } from '../../src/config';

const fresh = () => ({ admin: generateApiKey('admin'), client: generateApiKey('client') });

describe('embeddedStateLocation', () => {
  it('puts the keys file and the emulator folder beside a SQLite file, named after it', () => {
    expect(embeddedStateLocation('file:/srv/data/gw.sqlite')).toEqual({
      kept: true,
      keysFile: '/srv/data/gw.sqlite-embedded-keys.json',
      emulatorFolder: '/srv/data/gw.sqlite-emulator',
      webhookSigningKeyFile: '/srv/data/gw.sqlite-webhook-signing-key',
    });
    expect(embeddedStateLocation('file:./data/khalti-graphql.sqlite')).toEqual({
      kept: true,
      keysFile: resolve('data/khalti-graphql.sqlite-embedded-keys.json'),
      emulatorFolder: resolve('data/khalti-graphql.sqlite-emulator'),
      webhookSigningKeyFile: resolve('data/khalti-graphql.sqlite-webhook-signing-key'),
    });
  });

  it('has no place for them with :memory: or PostgreSQL, and says why', () => {
    expect(embeddedStateLocation(':memory:')).toEqual({ kept: false, reason: 'DATABASE_URL is :memory:' });
    expect(embeddedStateLocation('postgres://u:pw@db:5432/khalti')).toEqual({ kept: false, reason: 'DATABASE_URL is a PostgreSQL database' });
    expect(embeddedStateLocation('postgresql://u@db/khalti')).toEqual({ kept: false, reason: 'DATABASE_URL is a PostgreSQL database' });
  });
});

describe('keepEmbeddedKeys', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'embedded-keys-'));
    file = join(dir, 'gw.sqlite-embedded-keys.json');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const failure = (run: () => unknown): ConfigError => {
    try {
      run();
    } catch (error) {
      if (error instanceof ConfigError) return error;
      throw error;
    }
    throw new Error('expected a ConfigError');
  };

  it('writes the generated keys to a new 0600 file, then every later start reads them back', () => {
    const first = fresh();
    expect(keepEmbeddedKeys(file, first)).toEqual({ ...first, file, reused: false });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ note: expect.stringContaining('Delete this file'), ...first });

    const later = keepEmbeddedKeys(file, fresh());
    expect(later).toEqual({ ...first, file, reused: true });
    // Nothing else is left beside it (the temporary file it was written through is gone).
    expect(readdirSync(dir)).toEqual(['gw.sqlite-embedded-keys.json']);
  });

  it('a later start, with other keys freshly generated, still uses the first ones', () => {
    const a = fresh();
    keepEmbeddedKeys(file, a);
    const second = keepEmbeddedKeys(file, fresh());
    expect([second.admin, second.client]).toEqual([a.admin, a.client]);
  });

  it('processes starting at once on one new database all end up with the same keys', async () => {
    // Each generates its own pair and races to create the file; the file is created whole or not
    // at all, and every loser reads the winner's.
    const script = `const { keepEmbeddedKeys, generateApiKey } = require(${JSON.stringify(resolve(__dirname, '../../src/config'))});
      const kept = keepEmbeddedKeys(process.argv[1], { admin: generateApiKey('admin'), client: generateApiKey('client') });
      process.stdout.write(JSON.stringify({ admin: kept.admin, client: kept.client }));`;
    const run = () =>
      new Promise<string>((done, fail) =>
        execFile(process.execPath, ['--import', 'tsx', '-e', script, file], { cwd: resolve(__dirname, '../..') }, (error, stdout) => (error ? fail(error) : done(stdout))),
      );
    const answers = await Promise.all(Array.from({ length: 6 }, run));
    expect(new Set(answers).size).toBe(1);
    expect(JSON.parse(answers[0]!)).toEqual({ admin: JSON.parse(readFileSync(file, 'utf8')).admin, client: JSON.parse(readFileSync(file, 'utf8')).client });
    expect(readdirSync(dir)).toEqual(['gw.sqlite-embedded-keys.json']);
  });

  it('makes a keys file that others could read private again, and says it did', () => {
    const keys = fresh();
    writeFileSync(file, JSON.stringify(keys));
    chmodSync(file, 0o644);
    expect(keepEmbeddedKeys(file, fresh())).toEqual({ ...keys, file, reused: true, tightened: true });
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('accepts keys a developer wrote into the file by hand', () => {
    writeFileSync(file, JSON.stringify({ admin: 'my-own-admin-key-0123', client: 'my-own-client-key-0123' }), { mode: 0o600 });
    expect(keepEmbeddedKeys(file, fresh())).toMatchObject({ admin: 'my-own-admin-key-0123', client: 'my-own-client-key-0123', reused: true });
  });

  it.each([
    ['not JSON', '{"admin": "kg_admin_', 'is not valid JSON'],
    ['no admin key', JSON.stringify({ client: 'kg_client_0123456789abcdef' }), 'has no usable "admin" key (a string of 16+ characters without spaces)'],
    ['a short client key', JSON.stringify({ admin: 'kg_admin_0123456789abcdef', client: 'short' }), 'has no usable "client" key'],
    ['one key for both roles', JSON.stringify({ admin: 'kg_same_0123456789abcdef', client: 'kg_same_0123456789abcdef' }), 'gives the admin and the client the same key'],
  ])('a file with %s stops start-up with one line saying what to do', (_what, content, problem) => {
    writeFileSync(file, content, { mode: 0o600 });
    const error = failure(() => keepEmbeddedKeys(file, fresh()));
    expect(error.variable).toBe('GATEWAY_ADMIN_KEYS');
    expect(error.message).toContain(`GATEWAY_ADMIN_KEYS: not set, and the development keys embedded mode keeps in ${file} ${problem}`);
    expect(error.message).toMatch(/; delete the file to generate new ones, or set GATEWAY_ADMIN_KEYS \/ GATEWAY_CLIENT_KEYS$/);
    // The line never shows a key.
    expect(error.message).not.toMatch(/kg_(admin|client|same)_0123/);
  });

  it('a folder where the file should be stops start-up too', () => {
    mkdirSync(file);
    expect(failure(() => keepEmbeddedKeys(file, fresh())).message).toContain(`${file} cannot be read (EISDIR`);
  });
});
