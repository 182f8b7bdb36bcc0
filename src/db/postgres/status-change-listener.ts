/**
 * One LISTEN connection per instance for the status changes any instance commits: units of work
 * pg_notify their audit row id in the committing transaction, and PostgreSQL delivers each
 * notification once, at commit, in commit order. The connection is the pool's sibling, not a
 * pooled one (LISTEN belongs to a session). When it drops it is made again, with backoff, and the
 * listener is told it is listening again so that it reads what it missed from the log.
 */
import pg from 'pg';
import type { StatusChangeListener } from '../database';

export const STATUS_CHANGE_CHANNEL = 'khalti_graphql_status_changes';

const FIRST_RETRY_MS = 100;
const LONGEST_RETRY_MS = 5000;

export async function listenForStatusChanges(databaseUrl: string, listener: StatusChangeListener): Promise<{ close(): Promise<void> }> {
  let closed = false;
  let client: pg.Client | null = null;
  let retryMs = FIRST_RETRY_MS;
  let retry: NodeJS.Timeout | null = null;

  const connect = async (): Promise<void> => {
    const next = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 5000 });
    next.on('notification', (message) => {
      if (message.channel !== STATUS_CHANGE_CHANNEL) return;
      const auditId = Number(message.payload);
      if (Number.isSafeInteger(auditId)) listener.onChange(auditId);
    });
    // Either event means the session (and its LISTEN) is gone.
    const lost = (error?: unknown) => {
      if (client !== next) return;
      client = null;
      if (error) listener.onError(error);
      next.end().catch(() => undefined);
      scheduleReconnect();
    };
    next.on('error', lost);
    next.on('end', () => lost());
    await next.connect();
    await next.query(`LISTEN ${STATUS_CHANGE_CHANNEL}`);
    if (closed) {
      await next.end();
      return;
    }
    client = next;
    retryMs = FIRST_RETRY_MS;
    listener.onListening();
  };

  const scheduleReconnect = () => {
    if (closed || retry) return;
    retry = setTimeout(() => {
      retry = null;
      connect().catch((error: unknown) => {
        listener.onError(error);
        retryMs = Math.min(retryMs * 2, LONGEST_RETRY_MS);
        scheduleReconnect();
      });
    }, retryMs);
    retry.unref();
  };

  await connect();
  return {
    async close() {
      closed = true;
      if (retry) clearTimeout(retry);
      const current = client;
      client = null;
      await current?.end().catch(() => undefined);
    },
  };
}
