/**
 * `npm run db:migrate`: applies the committed migrations to the database DATABASE_URL names, under
 * the same lock start-up uses (so it is safe beside running gateways), and says what it did.
 * Start-up migrates too; this is for deploy pipelines that migrate before rolling instances.
 */
import { ConfigError, loadConfig } from '../config';
import { openDatabase } from './connection';
import { StorageConfigError } from './storage-error';

async function main(): Promise<void> {
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
  try {
    const database = await openDatabase(url);
    await database.close();
    console.log(`db:migrate: ${database.migrationsApplied} migration(s) applied to ${database.description}; it is up to date`);
  } catch (error) {
    if (error instanceof StorageConfigError) {
      console.error(`db:migrate: ${error.message}`);
      process.exit(1);
    }
    throw error;
  }
}

void main();
