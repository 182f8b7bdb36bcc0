/**
 * Two gateways in this process on one fresh PostgreSQL database, against one emulated Khalti:
 * the set-up of the cross-instance suites (status-events.listen, status-stream.listen).
 */
import { gatewayEnvFor, startEmulator, type RunningEmulator } from './emulator';
import { ADMIN_KEY, CLIENT_KEY, SERVER_KEY, startGateway, type TestGateway } from './gateway';
import { createPostgresDatabase, type PostgresDatabase } from './postgres';

export interface TwoInstances {
  store: PostgresDatabase;
  khalti: RunningEmulator;
  a: TestGateway;
  b: TestGateway;
}

/** Started in beforeAll, closed in afterAll; read its fields inside the tests. */
export function twoInstancesOnPostgres(): TwoInstances {
  const running = {} as TwoInstances;
  beforeAll(async () => {
    running.store = await createPostgresDatabase();
    running.khalti = await startEmulator();
    const env = gatewayEnvFor(running.khalti, running.store.url, { admin: ADMIN_KEY, client: CLIENT_KEY, server: SERVER_KEY });
    running.a = await startGateway(env);
    running.b = await startGateway(env);
  });
  afterAll(async () => {
    await running.a?.close();
    await running.b?.close();
    await running.khalti?.close();
    await running.store?.drop();
  });
  return running;
}
