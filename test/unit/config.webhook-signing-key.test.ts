/**
 * Embedded mode's generated webhook signing key (no WEBHOOK_SIGNING_KEY): kept in a 0600 file
 * beside the SQLite file and reused by every later start (so endpoint secrets survive restarts);
 * a file that holds no usable key stops start-up with one line.
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, generateWebhookSigningKey, keepWebhookSigningKey } from '../../src/config';

describe('keepWebhookSigningKey', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'signing-key-'));
    file = join(dir, 'gw.sqlite-webhook-signing-key');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('generates 32 random bytes (base64url)', () => {
    const key = generateWebhookSigningKey();
    expect(key).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(key, 'base64url')).toHaveLength(32);
    expect(generateWebhookSigningKey()).not.toBe(key);
  });

  it('writes the first key to a 0600 file and hands the same key to every later start', () => {
    const first = generateWebhookSigningKey();
    expect(keepWebhookSigningKey(file, first)).toEqual({ key: first, file, reused: false });
    expect(readFileSync(file, 'utf8')).toBe(`${first}\n`);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(keepWebhookSigningKey(file, generateWebhookSigningKey())).toEqual({ key: first, file, reused: true });
  });

  it('makes a file readable by others private', () => {
    const key = generateWebhookSigningKey();
    writeFileSync(file, key);
    chmodSync(file, 0o644);
    expect(keepWebhookSigningKey(file, generateWebhookSigningKey()).key).toBe(key);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('stops start-up, naming WEBHOOK_SIGNING_KEY and the file, when the file holds no usable key', () => {
    writeFileSync(file, 'short\n', { mode: 0o600 });
    expect(() => keepWebhookSigningKey(file, generateWebhookSigningKey())).toThrow(ConfigError);
    expect(() => keepWebhookSigningKey(file, generateWebhookSigningKey())).toThrow(/^WEBHOOK_SIGNING_KEY: not set, and .*gw\.sqlite-webhook-signing-key is not a signing key/);
  });
});
