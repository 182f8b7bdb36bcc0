/**
 * Whether the SQLite database accepts a write now (readiness): takes the write lock and writes
 * (a table created inside a transaction that is rolled back; BEGIN IMMEDIATE alone succeeds on a
 * read-only file, so only a write shows it). Nothing is kept.
 */
import type BetterSqlite from 'better-sqlite3';
import type { WriteProbe } from '../database';
import { sqliteCode } from '../storage-error';

/**
 * How long the readiness probe waits for another connection's write lock, on timers (the probe's
 * connection has no busy handler, so the event loop is never held).
 */
export const WRITE_PROBE_BUSY_TIMEOUT_MS = 250;

export function probeWrites(connection: BetterSqlite.Database): WriteProbe {
  try {
    connection.exec('BEGIN IMMEDIATE');
  } catch (error) {
    return writeProbeFailure(error);
  }
  try {
    connection.exec('CREATE TABLE readiness_probe (x)');
    return { ok: true };
  } catch (error) {
    return writeProbeFailure(error);
  } finally {
    if (connection.inTransaction) connection.exec('ROLLBACK');
  }
}

/** probeWrites, tried again every few milliseconds for up to WRITE_PROBE_BUSY_TIMEOUT_MS while the lock is held. */
export async function probeWritesPatiently(connection: () => BetterSqlite.Database): Promise<WriteProbe> {
  const deadline = Date.now() + WRITE_PROBE_BUSY_TIMEOUT_MS;
  for (;;) {
    let result: WriteProbe;
    try {
      result = probeWrites(connection());
    } catch (error) {
      return writeProbeFailure(error);
    }
    if (result.ok || result.reason !== 'locked' || Date.now() >= deadline) return result;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function writeProbeFailure(error: unknown): WriteProbe {
  const code = sqliteCode(error);
  if (code?.startsWith('SQLITE_BUSY') || code?.startsWith('SQLITE_LOCKED')) return { ok: false, reason: 'locked', code };
  if (code?.startsWith('SQLITE_READONLY')) return { ok: false, reason: 'read-only', code };
  return { ok: false, reason: 'unavailable', code };
}
