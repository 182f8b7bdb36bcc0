/**
 * migratePostgres against the real PostgreSQL (test/support/postgres.ts): a fresh database per
 * case, dropped after. It creates the whole schema, applies each migration once however many
 * instances start together, and leaves audit_log append-only.
 */
import { randomBytes } from 'node:crypto';
import { getTableConfig } from 'drizzle-orm/pg-core';
import { Pool } from 'pg';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import { migratePostgres, POSTGRES_MIGRATIONS_FOLDER } from '../../../src/db/postgres/migrate';
import { postgresStorageProblem } from '../../../src/db/storage-error';
import * as schema from '../../../src/db/postgres/schema';
import { createPostgresDatabase, type PostgresDatabase } from '../../support/postgres';

const MIGRATIONS = readMigrationFiles({ migrationsFolder: POSTGRES_MIGRATIONS_FOLDER });
const TABLES = [schema.payments, schema.refunds, schema.initiations, schema.auditLog].map(getTableConfig);

describe('migratePostgres', () => {
  let database: PostgresDatabase;
  const pools: Pool[] = [];
  const pool = (url = database.url): Pool => {
    const created = new Pool({ connectionString: url, max: 2 });
    // pool.end() may resolve before the server has seen every connection close; the DROP ... WITH
    // (FORCE) after it then terminates them, which an idle client reports as an error event.
    created.on('error', () => undefined);
    pools.push(created);
    return created;
  };

  beforeEach(async () => {
    database = await createPostgresDatabase();
  });
  afterEach(async () => {
    await Promise.all(pools.splice(0).map((each) => each.end()));
    await database.drop();
  });

  it('creates every table, column and index of the schema on an empty database; a second run applies nothing', async () => {
    const db = pool();
    expect(await migratePostgres(db)).toBe(MIGRATIONS.length);

    for (const table of TABLES) {
      const columns = await db.query<{ column_name: string; is_nullable: string }>(
        "SELECT column_name, is_nullable FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1 ORDER BY column_name",
        [table.name],
      );
      const expected = table.columns.map((column) => ({ column_name: column.name, is_nullable: column.notNull ? 'NO' : 'YES' }));
      expect([table.name, columns.rows]).toEqual([table.name, expected.sort((a, b) => (a.column_name < b.column_name ? -1 : 1))]);

      const indexes = await db.query<{ indexname: string; indexdef: string }>("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename = $1", [table.name]);
      const names = indexes.rows.map((row) => row.indexname).sort();
      expect([table.name, names]).toEqual([table.name, [...table.indexes.map((index) => index.config.name), `${table.name}_pkey`].sort()]);
      for (const index of table.indexes) {
        const definition = indexes.rows.find((row) => row.indexname === index.config.name)!.indexdef;
        expect([index.config.name, definition.startsWith('CREATE UNIQUE INDEX')]).toEqual([index.config.name, index.config.unique]);
        expect([index.config.name, definition.includes(' WHERE ')]).toEqual([index.config.name, index.config.where !== undefined]);
      }
    }
    const partial = await db.query<{ indexdef: string }>("SELECT indexdef FROM pg_indexes WHERE indexname = 'refunds_one_open_per_payment'");
    expect(partial.rows[0]!.indexdef).toMatch(/\(pidx\) WHERE \(state = ANY \(ARRAY\['REQUESTED'::text, 'UNKNOWN'::text\]\)\)$/);

    expect(await migratePostgres(db)).toBe(0);
  });

  it('applies each migration once when three instances start together on an empty database', async () => {
    const results = await Promise.all([pool(), pool(), pool()].map((each) => migratePostgres(each)));
    expect(results.reduce((sum, applied) => sum + applied, 0)).toBe(MIGRATIONS.length);
    expect([...results].sort()).toEqual([0, 0, MIGRATIONS.length]);
    const rows = await pool().query<{ hash: string; created_at: string }>('SELECT hash, created_at FROM drizzle.__drizzle_migrations ORDER BY created_at');
    expect(rows.rows).toEqual(MIGRATIONS.map((migration) => ({ hash: migration.hash, created_at: String(migration.folderMillis) })));
  });

  it('stops with one line naming DATABASE_URL when its user may not create the tables (PostgreSQL 15: no CREATE for PUBLIC)', async () => {
    const role = `khalti_test_weak_${randomBytes(4).toString('hex')}`;
    const admin = pool();
    await admin.query(`CREATE ROLE ${role} LOGIN PASSWORD 'weak-secret'`);
    try {
      const url = database.url.replace(/^postgres:\/\/[^@]+@/, `postgres://${role}:weak-secret@`);
      const error = await migratePostgres(pool(url)).then(
        () => undefined,
        (thrown: unknown) => thrown,
      );
      const message = postgresStorageProblem(url, error)?.message;
      expect(message).toMatch(new RegExp(`^DATABASE_URL: postgres://${role}:\\*\\*\\*@.*: user "${role}" lacks a privilege the gateway needs in database "${database.name}": permission denied`));
      expect(message).not.toContain('weak-secret');
    } finally {
      await Promise.all(pools.splice(1).map((each) => each.end()));
      await admin.query(`DROP ROLE ${role}`);
    }
  });

  describe('audit_log', () => {
    const insert = "INSERT INTO audit_log (at, kind, operation, pidx, detail) VALUES (now(), 'upstream', 'lookup', 'P1', '{}') RETURNING id";

    it('takes INSERTs and refuses UPDATE, DELETE and TRUNCATE, even from a superuser', async () => {
      const db = pool();
      await migratePostgres(db);
      const first = await db.query<{ id: string }>(insert);
      const second = await db.query<{ id: string }>(insert);
      expect(Number(second.rows[0]!.id)).toBeGreaterThan(Number(first.rows[0]!.id));

      await expect(db.query("UPDATE audit_log SET detail = 'x'")).rejects.toThrow(/audit_log is append-only \(UPDATE refused\)/);
      await expect(db.query('DELETE FROM audit_log')).rejects.toThrow(/audit_log is append-only \(DELETE refused\)/);
      await expect(db.query('TRUNCATE audit_log')).rejects.toThrow(/audit_log is append-only \(TRUNCATE refused\)/);
      // GENERATED ALWAYS: only the database numbers audit rows.
      await expect(db.query("INSERT INTO audit_log (id, at, kind, operation) VALUES (1000, now(), 'upstream', 'lookup')")).rejects.toMatchObject({ code: '428C9' });
      expect((await db.query('SELECT count(*)::int AS count FROM audit_log')).rows[0]).toEqual({ count: 2 });
    });

    it('needs only SELECT and INSERT for the gateway role: it appends, and may not change a row', async () => {
      const db = pool();
      await migratePostgres(db);
      const role = `khalti_test_gateway_${randomBytes(4).toString('hex')}`;
      const client = await db.connect();
      try {
        await client.query(`CREATE ROLE ${role}`);
        await client.query(`GRANT USAGE ON SCHEMA public TO ${role}; GRANT SELECT, INSERT ON audit_log TO ${role}`);
        await client.query(`SET ROLE ${role}`);
        // The identity column's sequence needs no grant of its own.
        await client.query(insert);
        await expect(client.query("UPDATE audit_log SET detail = 'x'")).rejects.toMatchObject({ code: '42501' });
        await expect(client.query('DELETE FROM audit_log')).rejects.toMatchObject({ code: '42501' });
        await expect(client.query('TRUNCATE audit_log')).rejects.toMatchObject({ code: '42501' });
      } finally {
        await client.query('RESET ROLE');
        await client.query(`DROP OWNED BY ${role}; DROP ROLE ${role}`);
        client.release();
      }
    });
  });
});
