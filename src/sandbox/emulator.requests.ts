/**
 * A log of API requests the emulator received, so tests can assert what a client actually sent
 * (how many lookups, whether a refund was retried, whether it authenticated). It records that an
 * Authorization header was present and whether it was accepted, never the header's value.
 */
import type { RequestLogEntry } from './emulator.types';

/** Bounded, so a long-running dev emulator does not grow without limit. */
const MAX_ENTRIES = 5000;

export class RequestLog {
  private entries: RequestLogEntry[] = [];

  add(entry: RequestLogEntry): RequestLogEntry {
    this.entries.push(entry);
    if (this.entries.length > MAX_ENTRIES) this.entries.splice(0, this.entries.length - MAX_ENTRIES);
    return entry;
  }

  /** Copies, so callers cannot edit the log (entries are updated while their response is sent). */
  list(): RequestLogEntry[] {
    return this.entries.map((e) => structuredClone(e));
  }

  clear(): void {
    this.entries = [];
  }
}
