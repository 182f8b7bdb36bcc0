/**
 * Process entry: read the configuration, build the gateway, say where it is, shut down gracefully.
 */
import 'reflect-metadata';
import { createApp, type App } from './app';
import { ConfigError, loadConfig, type Config } from './config';
import { StorageConfigError } from './db/storage-error';
import { GRAPHQL_PATH } from './graphql/graphql-server';
import { jsonLog } from './logger';

/** After the drain, what closing the rest (Khalti connections, the database) may take before the forced exit. */
const CLOSE_MARGIN_MS = 5000;

async function main(): Promise<void> {
  let config: Config;
  let app: App;
  let consoleLog: ReturnType<typeof jsonLog>;
  try {
    config = loadConfig();
    consoleLog = jsonLog({ level: config.logLevel });
    app = await createApp(config, { log: consoleLog });
  } catch (error) {
    // One line naming the setting, no stack: the operator's mistake, not the program's.
    if (error instanceof ConfigError || error instanceof StorageConfigError) {
      console.error(`Configuration error: ${error.message}`);
      process.exit(2);
    }
    throw error;
  }

  consoleLog(`khalti-graphql listening on ${app.listeningOn} (KHALTI_ENV=${config.khalti.env}, Khalti at ${app.khaltiBaseUrl})`);
  consoleLog(`GraphiQL: ${app.publicUrl}${GRAPHQL_PATH}`);
  if (app.emulator) consoleLog(`Embedded Khalti emulator: ${app.publicUrl}/sandbox (payment page, API and test controls)`);
  if (config.apiKeys.generated) {
    // Generated keys exist only in this process; printing them once is how a developer gets them.
    consoleLog('Generated development API keys (embedded mode only; set GATEWAY_ADMIN_KEYS / GATEWAY_CLIENT_KEYS / GATEWAY_SERVER_KEYS to choose your own):');
    consoleLog(`  admin:  ${config.apiKeys.admin[0]}`);
    consoleLog(`  client: ${config.apiKeys.client[0]}`);
  }

  const { delayMs, graceMs } = config.shutdown;
  let stopping = false;
  let endDelay: (() => void) | null = null;
  const shutdown = (signal: string) => {
    if (stopping) {
      // A second signal: the operator does not want to wait for load balancers.
      endDelay?.();
      return;
    }
    stopping = true;
    app.beginShutdown();
    const delay = delayMs > 0 ? `requests are served for ${delayMs} ms more (SHUTDOWN_DELAY_MS; a second signal skips it), then ` : '';
    consoleLog(`${signal}: draining: /readyz answers 503; ${delay}requests in flight get up to ${graceMs} ms (SHUTDOWN_GRACE_MS) to finish`);
    // The forced exit leaves the delay and the whole drain their time, and closing the rest a margin.
    const forceAfterMs = delayMs + graceMs + CLOSE_MARGIN_MS;
    const force = setTimeout(() => {
      console.error(`shutdown took longer than ${forceAfterMs} ms; exiting`);
      process.exit(1);
    }, forceAfterMs);
    force.unref();
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, delayMs);
      endDelay = () => {
        clearTimeout(timer);
        resolve();
      };
    })
      .then(() => app.close())
      .then(
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
