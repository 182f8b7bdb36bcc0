/**
 * The committed migrations as drizzle's migrator reads them: it applies a migration only if its
 * journal time is later than the last one a database has applied, so the times must increase in
 * file order, or an upgraded database silently skips a migration.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MIGRATIONS_FOLDER } from '../../../src/db/migrate';

interface Journal {
  entries: { idx: number; when: number; tag: string }[];
}

describe('committed migrations', () => {
  const journal = JSON.parse(readFileSync(join(MIGRATIONS_FOLDER, 'meta', '_journal.json'), 'utf8')) as Journal;

  it('has one journal entry per SQL file, in order', () => {
    const files = readdirSync(MIGRATIONS_FOLDER).filter((file) => file.endsWith('.sql')).sort();
    expect(journal.entries.map((entry) => `${entry.tag}.sql`)).toEqual(files);
    expect(journal.entries.map((entry) => entry.idx)).toEqual(files.map((_, index) => index));
  });

  it('stamps them with strictly increasing times', () => {
    const times = journal.entries.map((entry) => entry.when);
    for (let index = 1; index < times.length; index += 1) expect([journal.entries[index]!.tag, times[index]! > times[index - 1]!]).toEqual([journal.entries[index]!.tag, true]);
  });
});
