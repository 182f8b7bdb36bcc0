/**
 * Everything a SQLite database wrote to disk, for tests that search it. In WAL mode committed rows
 * live in the `-wal` file until a checkpoint copies them into the main file, so a search of the
 * main file alone finds nothing and proves nothing: this reads every file in the database's
 * folder (main, -wal, -shm, journals, anything else).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

export interface WrittenFile {
  name: string;
  bytes: Buffer;
}

export function databaseFolderFiles(dir: string): WrittenFile[] {
  const files: WrittenFile[] = [];
  const walk = (folder: string, prefix: string) => {
    for (const name of readdirSync(folder).sort()) {
      const path = join(folder, name);
      if (statSync(path).isDirectory()) walk(path, `${prefix}${name}/`);
      else files.push({ name: `${prefix}${name}`, bytes: readFileSync(path) });
    }
  };
  walk(dir, '');
  return files;
}

/** The names of the files in `dir` whose bytes contain `value` (UTF-8, as SQLite stores text). */
export function filesContaining(dir: string, value: string): string[] {
  const needle = Buffer.from(value, 'utf8');
  return databaseFolderFiles(dir)
    .filter((file) => file.bytes.includes(needle))
    .map((file) => file.name);
}
