/**
 * The emulator's payments on disk, so that a restart (of the gateway in embedded mode, or of any
 * process that gives the emulator a state folder) still knows every payment it handed out: lookup
 * answers, the payment page at its payment_url works, refunds find the transaction.
 *
 * One file per payment (`<pidx>.json`, mode 0600, in a 0700 folder), written whole to a temporary
 * file and renamed over the old one, so a crash at any moment leaves either the old or the new
 * version, never half of one. A change costs one small file, however many payments there are.
 * Files survive a crash of the process (the kernel has them); the emulator does not fsync, so a
 * power cut may lose the last changes (it is a development tool, and Khalti's own copy is what a
 * real payment's truth would be).
 *
 * Not kept: page login sessions (a buyer half-way between MPIN and OTP logs in again), faults,
 * the request log.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LookupOverride, PaymentRecord, RefundRecord, StoredStatus } from './emulator.types';

/** Marks a file as one this code wrote; anything else in the folder is left alone. */
const FILE_KIND = 'khalti-emulator-payment';
const FILE_VERSION = 1;
/** Khalti ids are shortuuid letters and digits (emulator.ids.ts); nothing else names a payment file. */
const PAYMENT_FILE = /^([A-Za-z0-9]{1,64})\.json$/;

export interface EmulatorState {
  /** The folder the payments are kept in. */
  readonly folder: string;
  /** The payments found when the state was opened. */
  readonly loaded: readonly PaymentRecord[];
  /** Writes the payment's current state (replacing its file). Never throws: failures go to onError. */
  save(record: PaymentRecord): void;
  /** Forgets every payment (the reset control). Never throws. */
  clear(): void;
}

export interface EmulatorStateOptions {
  /**
   * Told about a file that could not be read at start (it is skipped) and about a write that failed
   * (the payment then lives in memory only until the next restart). Default: console.error.
   */
  onError?: (message: string, error?: unknown) => void;
}

/** A state folder that cannot be used (not a folder, cannot be created or read). */
export class EmulatorStateError extends Error {
  constructor(
    readonly folder: string,
    message: string,
  ) {
    super(`${folder}: ${message}`);
    this.name = 'EmulatorStateError';
  }
}

/**
 * Opens (creating it if missing) the folder and reads every payment in it. Throws
 * EmulatorStateError when the folder itself is unusable; a single unreadable file is skipped and
 * reported, so one bad file never keeps the emulator from starting.
 */
export function openEmulatorState(folder: string, options: EmulatorStateOptions = {}): EmulatorState {
  const onError = options.onError ?? ((message: string, error?: unknown) => console.error(`khalti emulator: ${message}`, error ?? ''));
  prepareFolder(folder);
  let names: string[];
  try {
    names = readdirSync(folder).sort();
  } catch (error) {
    throw new EmulatorStateError(folder, `cannot be read (${describe(error)})`);
  }
  const loaded: PaymentRecord[] = [];
  for (const name of names) {
    const match = PAYMENT_FILE.exec(name);
    if (!match) continue;
    const file = join(folder, name);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      onError(`skipped ${file}: cannot be read (${describe(error)})`, error);
      continue;
    }
    const record = parsePaymentFile(text, match[1]!);
    if (typeof record === 'string') onError(`skipped ${file}: ${record}`);
    else loaded.push(record);
  }

  let sequence = 0;
  return {
    folder,
    loaded,
    save(record) {
      const file = join(folder, `${record.pidx}.json`);
      // Unique per process and write, so two writers never share a temporary file.
      const temporary = join(folder, `.${record.pidx}.${process.pid}.${++sequence}.tmp`);
      try {
        writeFileSync(temporary, serializePayment(record), { mode: 0o600 });
        renameSync(temporary, file);
      } catch (error) {
        try {
          unlinkSync(temporary);
        } catch {
          // never written, or already gone
        }
        onError(`could not save payment ${record.pidx} to ${file} (${describe(error)}); it is kept in memory only until the next restart`, error);
      }
    },
    clear() {
      let entries: string[];
      try {
        entries = readdirSync(folder);
      } catch (error) {
        onError(`could not clear ${folder} (${describe(error)})`, error);
        return;
      }
      for (const name of entries) {
        if (!PAYMENT_FILE.test(name)) continue;
        try {
          unlinkSync(join(folder, name));
        } catch (error) {
          onError(`could not delete ${join(folder, name)} (${describe(error)})`, error);
        }
      }
    },
  };
}

function prepareFolder(folder: string): void {
  if (existsSync(folder)) {
    if (!statSync(folder).isDirectory()) throw new EmulatorStateError(folder, 'is not a folder');
    return;
  }
  try {
    // Payments hold buyers' Khalti IDs and what the merchant sent (customer_info): owner only.
    mkdirSync(folder, { mode: 0o700 });
  } catch (error) {
    throw new EmulatorStateError(folder, `cannot be created (${describe(error)})`);
  }
}

function describe(error: unknown): string {
  // Not `instanceof Error`: errors from another realm (a test runner's sandbox) are errors too.
  const { code, message: text } = (typeof error === 'object' && error !== null ? error : {}) as { code?: unknown; message?: unknown };
  const message = typeof text === 'string' ? text : String(error);
  return typeof code === 'string' && !message.startsWith(code) ? `${code}: ${message}` : message;
}

// ---------------------------------------------------------------------------------------------
// The file format: the record as JSON (dates as ISO strings), inside a small envelope.

export function serializePayment(record: PaymentRecord): string {
  return `${JSON.stringify({ kind: FILE_KIND, version: FILE_VERSION, payment: record }, null, 2)}\n`;
}

const STATUSES: readonly StoredStatus[] = ['Initiated', 'Pending', 'Completed', 'Refunded', 'Partially Refunded', 'Expired', 'User canceled'];

/** The record in a payment file, or what is wrong with it. `pidx`: the one its file name gives. */
export function parsePaymentFile(text: string, pidx: string): PaymentRecord | string {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return 'not JSON';
  }
  if (!isObject(json) || json.kind !== FILE_KIND) return 'not a payment file this emulator wrote';
  if (json.version !== FILE_VERSION) return `written in format version ${String(json.version)}, this emulator reads version ${FILE_VERSION}`;
  const p = json.payment;
  if (!isObject(p)) return 'no payment in it';

  const problems: string[] = [];
  const str = (key: string): string => {
    const value = p[key];
    if (typeof value !== 'string') problems.push(key);
    return value as string;
  };
  const strOrNull = (key: string): string | null => {
    const value = p[key];
    if (value !== null && typeof value !== 'string') problems.push(key);
    return value as string | null;
  };
  const int = (key: string): number => {
    const value = p[key];
    if (!Number.isSafeInteger(value)) problems.push(key);
    return value as number;
  };
  const date = (key: string, value: unknown = p[key]): Date => {
    const parsed = typeof value === 'string' ? new Date(value) : new Date(Number.NaN);
    if (Number.isNaN(parsed.getTime())) problems.push(key);
    return parsed;
  };
  const dateOrNull = (key: string): Date | null => (p[key] === null ? null : date(key));
  const object = (key: string): Record<string, unknown> => {
    const value = p[key];
    if (!isObject(value)) problems.push(key);
    return value as Record<string, unknown>;
  };

  const status = p.status as StoredStatus;
  if (!STATUSES.includes(status)) problems.push('status');
  if (p.pidx !== pidx) problems.push('pidx (it must match the file name)');
  const modes = p.modes;
  if (!Array.isArray(modes) || !modes.every((mode) => typeof mode === 'string')) problems.push('modes');
  const refunds: RefundRecord[] = [];
  if (!Array.isArray(p.refunds)) problems.push('refunds');
  else {
    for (const [index, refund] of (p.refunds as unknown[]).entries()) {
      if (!isObject(refund) || !Number.isSafeInteger(refund.amount) || (refund.mobile !== null && typeof refund.mobile !== 'string')) {
        problems.push(`refunds.${index}`);
        continue;
      }
      refunds.push({ amount: refund.amount as number, mobile: refund.mobile as string | null, at: date(`refunds.${index}.at`, refund.at) });
    }
  }
  const override = p.lookupOverride;
  if (override !== null && !isObject(override)) problems.push('lookupOverride');
  if (typeof p.locked !== 'boolean') problems.push('locked');

  const record: PaymentRecord = {
    pidx,
    request: object('request'),
    returnUrl: str('returnUrl'),
    websiteUrl: str('websiteUrl'),
    amount: int('amount'),
    purchaseOrderId: str('purchaseOrderId'),
    purchaseOrderName: str('purchaseOrderName'),
    modes: modes as string[],
    bank: strOrNull('bank'),
    merchantExtra: object('merchantExtra'),
    status,
    createdAt: date('createdAt'),
    expiresAt: date('expiresAt'),
    transactionId: strOrNull('transactionId'),
    mobile: strOrNull('mobile'),
    completedAt: dateOrNull('completedAt'),
    canceledAt: dateOrNull('canceledAt'),
    fee: int('fee'),
    refunds,
    refundedAmount: int('refundedAmount'),
    mpinFailures: int('mpinFailures'),
    locked: p.locked as boolean,
    lookupOverride: (override ?? null) as LookupOverride | null,
  };
  return problems.length > 0 ? `unusable field(s): ${problems.join(', ')}` : record;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
