/**
 * Process entry: read the configuration, build the gateway, say where it is, shut down gracefully.
 */
import 'reflect-metadata';
import { createApp } from './app';
import { ConfigError, loadConfig } from './config';
import { GRAPHQL_PATH } from './graphql/graphql-server';
import { jsonLog } from './logger';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`Configuration error: ${error.message}`);
      process.exit(2);
    }
    throw error;
  }

  const consoleLog = jsonLog({ level: config.logLevel });
  const app = await createApp(config, { log: consoleLog });
  consoleLog(`khalti-graphql listening on ${app.url} (KHALTI_ENV=${config.khalti.env}, Khalti at ${app.khaltiBaseUrl})`);
  consoleLog(`GraphiQL: ${app.publicUrl}${GRAPHQL_PATH}`);
  if (app.emulator) consoleLog(`Embedded Khalti emulator: ${app.publicUrl}/sandbox (payment page, API and test controls)`);
  if (config.apiKeys.generated) {
    // Generated keys exist only in this process; printing them once is how a developer gets them.
    consoleLog('Generated development API keys (embedded mode only; set GATEWAY_ADMIN_KEYS / GATEWAY_CLIENT_KEYS / GATEWAY_SERVER_KEYS to choose your own):');
    consoleLog(`  admin:  ${config.apiKeys.admin[0]}`);
    consoleLog(`  client: ${config.apiKeys.client[0]}`);
  }

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    consoleLog(`${signal}: draining connections and stopping`);
    const force = setTimeout(() => {
      console.error('shutdown took longer than 10 s; exiting');
      process.exit(1);
    }, 10_000);
    force.unref();
    app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('shutdown failed', error);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  console.error('khalti-graphql failed to start:', error instanceof Error ? error.message : error);
  process.exit(1);
});
