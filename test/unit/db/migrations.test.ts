/**
 * The committed migrations as drizzle's migrator reads them: it applies a migration only if its
 * journal time is later than the last one a database has applied, so the times must increase in
 * file order, or an upgraded database silently skips a migration. One folder per dialect.
 *
 * And what schema-parity.ts cannot see in types: both schemas name the same SQL columns, with the
 * same nullability and defaults, and the same indexes.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getTableConfig as pgTableConfig } from 'drizzle-orm/pg-core';
import { getTableConfig as sqliteTableConfig } from 'drizzle-orm/sqlite-core';
import { MIGRATIONS_FOLDER, POSTGRES_MIGRATIONS_FOLDER } from '../../../src/db/migrate';
import * as postgres from '../../../src/db/postgres/schema';
import * as sqlite from '../../../src/db/schema';

interface Journal {
  dialect: string;
  entries: { idx: number; when: number; tag: string }[];
}

describe.each([
  ['sqlite', MIGRATIONS_FOLDER],
  ['postgresql', POSTGRES_MIGRATIONS_FOLDER],
])('committed %s migrations', (dialect, folder) => {
  const journal = JSON.parse(readFileSync(join(folder, 'meta', '_journal.json'), 'utf8')) as Journal;

  it('are of that dialect, with one journal entry per SQL file, in order', () => {
    expect(journal.dialect).toBe(dialect);
    const files = readdirSync(folder).filter((file) => file.endsWith('.sql')).sort();
    expect(journal.entries.map((entry) => `${entry.tag}.sql`)).toEqual(files);
    expect(journal.entries.map((entry) => entry.idx)).toEqual(files.map((_, index) => index));
  });

  it('are stamped with strictly increasing times', () => {
    const times = journal.entries.map((entry) => entry.when);
    for (let index = 1; index < times.length; index += 1) expect([journal.entries[index]!.tag, times[index]! > times[index - 1]!]).toEqual([journal.entries[index]!.tag, true]);
  });
});

describe('the SQLite and PostgreSQL schemas', () => {
  const tables = ['payments', 'refunds', 'initiations', 'auditLog'] as const;

  const shape = (config: ReturnType<typeof sqliteTableConfig> | ReturnType<typeof pgTableConfig>) => ({
    name: config.name,
    columns: config.columns.map((column) => ({ name: column.name, notNull: column.notNull, primary: column.primary, default: column.default })),
    indexes: config.indexes.map((index) => ({
      name: index.config.name,
      unique: index.config.unique,
      columns: index.config.columns.map((column) => (column as { name?: string }).name),
      partial: index.config.where !== undefined,
    })),
    foreignKeys: config.foreignKeys.map((key) => {
      const reference = key.reference();
      return { columns: reference.columns.map((column) => column.name), to: reference.foreignColumns.map((column) => column.name) };
    }),
  });

  it.each(tables)('%s: same SQL name, columns, defaults, indexes and foreign keys', (table) => {
    expect(shape(pgTableConfig(postgres[table]))).toEqual(shape(sqliteTableConfig(sqlite[table])));
  });
});
