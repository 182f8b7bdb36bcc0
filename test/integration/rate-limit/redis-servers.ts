/**
 * Redis for the rate-limit tests. The machine's Redis (127.0.0.1:6379, REDIS_TEST_URL to change it)
 * is shared: each run writes under a prefix of its own and deletes it afterwards, and is never
 * stopped. A test that needs Redis to go away starts a throwaway redis-server on a free port
 * (nothing kept on disk) and shuts that one down.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';

export const SHARED_REDIS_URL = process.env.REDIS_TEST_URL ?? 'redis://127.0.0.1:6379';

/** A key prefix no other run uses. */
export function runPrefix(label: string): string {
  return `khalti-graphql-test:${label}:${process.pid}:${randomUUID()}:`;
}

/** Deletes every key under `prefix` (SCAN, never KEYS) on the Redis at `url`. */
export async function deleteKeys(url: string, prefix: string): Promise<number> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await client.connect();
  let deleted = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) deleted += await client.del(...keys);
    } while (cursor !== '0');
  } finally {
    client.disconnect();
  }
  return deleted;
}

/** Keys under `prefix` now. */
export async function keysUnder(url: string, prefix: string): Promise<string[]> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await client.connect();
  try {
    const found: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      found.push(...keys);
    } while (cursor !== '0');
    return found;
  } finally {
    client.disconnect();
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** A redis-server of the test's own, on a free port: stop() and start() it at will. */
export interface OwnRedis {
  port: number;
  url: string;
  start(): Promise<void>;
  stop(): void;
}

export async function ownRedis(): Promise<OwnRedis> {
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  let running = false;
  const own: OwnRedis = {
    port,
    url,
    async start() {
      execFileSync('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'yes']);
      running = true;
      // Up once it answers.
      for (let attempt = 0; ; attempt += 1) {
        try {
          execFileSync('redis-cli', ['-p', String(port), 'ping'], { stdio: 'pipe' });
          return;
        } catch (error) {
          if (attempt > 500) throw error;
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      }
    },
    stop() {
      if (!running) return;
      running = false;
      try {
        execFileSync('redis-cli', ['-p', String(port), 'shutdown', 'nosave'], { stdio: 'pipe' });
      } catch {
        // redis-cli reports the connection closing under it; the server is gone either way.
      }
    },
  };
  await own.start();
  return own;
}
