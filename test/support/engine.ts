/**
 * Which engine the suite runs on: SQLite by default, PostgreSQL with TEST_DATABASE=postgres
 * (`npm test` runs it both ways). A test store is a fresh database of that engine, with a way to
 * read it directly (SQL with `?` placeholders, rewritten to `$n` for PostgreSQL).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite from 'better-sqlite3';
import { Client } from 'pg';
import type { Engine } from '../../src/db/database';
import { createPostgresDatabase } from './postgres';

export const TEST_ENGINE: Engine = process.env.TEST_DATABASE === 'postgres' ? 'postgres' : 'sqlite';

/** For what only SQLite has (files, pragmas, its write lock): skipped when the suite runs on PostgreSQL. */
export const describeOnSqlite: jest.Describe = TEST_ENGINE === 'sqlite' ? describe : describe.skip;
export const itOnSqlite: jest.It = TEST_ENGINE === 'sqlite' ? it : it.skip;

export interface TestStore {
  engine: Engine;
  /** DATABASE_URL for the gateway. */
  url: string;
  /** The SQLite file, when the engine is SQLite. */
  file?: string;
  /** Reads committed rows directly, as another client would. */
  query<T>(sql: string, ...params: unknown[]): Promise<T[]>;
  /** Removes the database (and its folder). */
  drop(): Promise<void>;
}

export async function createTestStore(engine: Engine = TEST_ENGINE): Promise<TestStore> {
  if (engine === 'postgres') {
    const database = await createPostgresDatabase();
    return {
      engine,
      url: database.url,
      async query<T>(sql: string, ...params: unknown[]) {
        const client = new Client({ connectionString: database.url });
        await client.connect();
        try {
          let n = 0;
          const { rows } = await client.query(sql.replace(/\?/g, () => `$${++n}`), params);
          return rows as T[];
        } finally {
          await client.end();
        }
      },
      drop: () => database.drop(),
    };
  }
  const dir = mkdtempSync(join(tmpdir(), 'khalti-graphql-store-'));
  const file = join(dir, 'gateway.sqlite');
  return {
    engine,
    url: `file:${file}`,
    file,
    async query<T>(sql: string, ...params: unknown[]) {
      const db = new BetterSqlite(file, { readonly: true });
      try {
        return db.prepare(sql).all(...params) as T[];
      } finally {
        db.close();
      }
    },
    drop: async () => rmSync(dir, { recursive: true, force: true }),
  };
}
