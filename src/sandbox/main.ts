/**
 * `npm run sandbox`: the Khalti emulator on its own port, for merchants (or a gateway in
 * `sandbox`-like setups) that want a Khalti to talk to without Khalti.
 *
 *   SANDBOX_PORT        port to listen on (default 4010)
 *   KHALTI_SECRET_KEY   the secret key to accept (default: the emulator's public default key)
 *   SANDBOX_PUBLIC_URL  where browsers reach this server (default http://localhost:<port>)
 */
import express from 'express';
import type { Server } from 'node:http';
import { EMULATOR_DEFAULT_SECRET_KEY } from './emulator.defaults';
import { createEmulator } from './emulator';

export interface StandaloneConfig {
  port: number;
  secretKey: string;
  /** True when the key came from KHALTI_SECRET_KEY: it is then never printed. */
  keyConfigured: boolean;
  publicUrl: string;
}

/** Environment -> config; throws one clear line naming the variable at fault. */
export function standaloneConfig(env: NodeJS.ProcessEnv): StandaloneConfig {
  const rawPort = env.SANDBOX_PORT?.trim() || '4010';
  const port = Number(rawPort);
  if (!/^\d+$/.test(rawPort) || port < 0 || port > 65535) {
    throw new Error(`SANDBOX_PORT must be a port number (0-65535), got "${rawPort}"`);
  }
  const configuredKey = env.KHALTI_SECRET_KEY?.trim();
  if (configuredKey && /\s/.test(configuredKey)) throw new Error('KHALTI_SECRET_KEY must not contain spaces');
  const publicUrl = (env.SANDBOX_PUBLIC_URL?.trim() || `http://localhost:${port}`).replace(/\/+$/, '');
  let parsed: URL | undefined;
  try {
    parsed = new URL(publicUrl);
  } catch {
    parsed = undefined;
  }
  if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') || parsed.search || parsed.hash) {
    throw new Error(`SANDBOX_PUBLIC_URL must be an http(s) URL without query or fragment, got "${publicUrl}"`);
  }
  return {
    port,
    secretKey: configuredKey || EMULATOR_DEFAULT_SECRET_KEY,
    keyConfigured: Boolean(configuredKey),
    publicUrl,
  };
}

/** The one start-up line. Prints the key only when it is the emulator's public default. */
export function startupLine(config: StandaloneConfig, port: number): string {
  const key = config.keyConfigured
    ? 'the secret key configured in KHALTI_SECRET_KEY'
    : `the default secret key "${EMULATOR_DEFAULT_SECRET_KEY}"`;
  return (
    `Khalti emulator listening on port ${port}: API at ${config.publicUrl}/api/v2/, ` +
    `payment page at ${config.publicUrl}/pay?pidx=..., accepting Authorization: Key with ${key}.`
  );
}

export async function startStandalone(
  config: StandaloneConfig,
  print: (line: string) => void = console.log,
): Promise<{ server: Server; port: number; close: () => Promise<void> }> {
  const emulator = createEmulator({ secretKey: config.secretKey, publicUrl: config.publicUrl });
  const app = express();
  app.disable('x-powered-by');
  app.use(emulator.router);

  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(config.port, (err?: Error) => (err ? reject(err) : resolve(s)));
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  print(startupLine(config, port));

  const close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      // Idle keep-alive sockets would hold close() open; busy ones get a moment to finish.
      server.closeIdleConnections();
      setTimeout(() => server.closeAllConnections(), 2000).unref();
    });
  return { server, port, close };
}

async function main(): Promise<void> {
  let config: StandaloneConfig;
  try {
    config = standaloneConfig(process.env);
  } catch (err) {
    console.error(`khalti emulator: ${(err as Error).message}`);
    process.exit(1);
  }
  const running = await startStandalone(config);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) process.exit(1); // a second signal: stop waiting
    stopping = true;
    console.log(`Khalti emulator: ${signal} received, shutting down.`);
    void running.close().then(() => process.exit(0));
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(`khalti emulator: could not start: ${(err as Error).message}`);
    process.exit(1);
  });
}
