/**
 * `npm run db:migrate`: applies the committed migrations to the database DATABASE_URL names, under
 * the same lock start-up uses (so it is safe beside running gateways), and says what it did.
 * Start-up migrates too; this is for deploy pipelines that migrate before rolling instances.
 */
import { ConfigError, loadConfig } from '../config';
import { openDatabase, sqlitePath } from './connection';

function main(): void {
  let url: string;
  try {
    url = loadConfig().database.url;
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`Configuration error: ${error.message}`);
      process.exit(2);
    }
    throw error;
  }
  const database = openDatabase(url);
  database.close();
  console.log(`db:migrate: ${database.migrationsApplied} migration(s) applied to ${sqlitePath(url)}; it is up to date`);
}

main();
