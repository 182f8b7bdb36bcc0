/**
 * The Khalti emulator: a server that behaves like Khalti's sandbox (API, payment page) closely
 * enough to develop against before having Khalti keys, plus controls for tests. Its payments live
 * in memory, and also on disk when it is given a state folder (emulator.state.ts).
 *
 * It is a router, not a server, so the gateway can mount it under `/sandbox` in embedded mode
 * and `main.ts` can serve it alone. See README.md in this folder for behaviour and choices.
 */
import express from 'express';
import { createApiRouter } from './emulator.api';
import { createDemoRouter } from './emulator.demo';
import { createControlRouter, createControls, type EmulatorControls } from './emulator.controls';
import {
  DEFAULT_BANK_PAGE_SIZE,
  DEFAULT_MPIN_ATTEMPTS_BEFORE_LOCK,
  DEFAULT_TTL_SECONDS,
} from './emulator.defaults';
import { FaultRegistry } from './emulator.faults';
import type { HandlerContext } from './emulator.handlers';
import { createPageRouter } from './emulator.page';
import { RequestLog } from './emulator.requests';
import type { EmulatorState } from './emulator.state';
import { EmulatorStore } from './emulator.store';

export interface EmulatorOptions {
  /** The only secret key accepted (`Authorization: Key <secretKey>`). */
  secretKey: string;
  /**
   * Where browsers reach the emulator root, e.g. "http://localhost:4000/sandbox" (mounted) or
   * "http://localhost:4010" (standalone). payment_url is `${publicUrl}/pay?pidx=<pidx>`.
   */
  publicUrl: string;
  /** Clock, for tests. */
  now?: () => Date;
  /** Link lifetime when initiate gives no ttl (seconds). Default 1800. */
  defaultTtlSeconds?: number;
  /** Wrong MPINs on the payment page before the payment locks. Default 3. */
  mpinAttemptsBeforeLock?: number;
  /** Bank list page size. Default 10, so the ~20-bank fixture spans pages. */
  bankPageSize?: number;
  /**
   * Payments kept on disk (openEmulatorState(folder)): the emulator starts with the payments it
   * holds and writes every change to it, so a restart loses none. Default: in memory only.
   */
  state?: EmulatorState;
}

export interface Emulator {
  /** Mount at "/" standalone or at "/sandbox" in the gateway. */
  router: express.Router;
  /** The operations of the /__control HTTP routes, callable in-process. */
  controls: EmulatorControls;
}

export type { EmulatorControls, PaymentSnapshot } from './emulator.controls';
export { EmulatorControlError } from './emulator.controls';
export type { FaultSpec, LookupOverride, RequestLogEntry } from './emulator.types';
export { EmulatorStateError, openEmulatorState, type EmulatorState, type EmulatorStateOptions } from './emulator.state';

export function createEmulator(options: EmulatorOptions): Emulator {
  const settings = checkOptions(options);
  const store = new EmulatorStore(options.now ?? (() => new Date()), options.state ?? null);
  const faults = new FaultRegistry();
  const log = new RequestLog();
  const ctx: HandlerContext = {
    store,
    publicUrl: settings.publicUrl,
    defaultTtlSeconds: settings.defaultTtlSeconds,
    bankPageSize: settings.bankPageSize,
  };
  const controls = createControls({ ctx, store, faults, log });

  const router = express.Router();
  router.use('/__control', createControlRouter(controls));
  router.use(createApiRouter({ ctx, secretKey: options.secretKey, faults, log }));
  router.use(
    createPageRouter({ store, publicUrl: settings.publicUrl, mpinAttemptsBeforeLock: settings.mpinAttemptsBeforeLock }),
  );
  router.use(createDemoRouter(ctx));
  return { router, controls };
}

/** Bad options are a programming error: fail at construction, not at the first request. */
function checkOptions(options: EmulatorOptions) {
  if (typeof options.secretKey !== 'string' || options.secretKey.trim() === '' || /\s/.test(options.secretKey)) {
    throw new Error('createEmulator: secretKey must be a non-empty string without spaces');
  }
  let url: URL;
  try {
    url = new URL(options.publicUrl);
  } catch {
    throw new Error(`createEmulator: publicUrl is not a URL: ${options.publicUrl}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error('createEmulator: publicUrl must be an http(s) URL');
  }
  if (url.search || url.hash) throw new Error('createEmulator: publicUrl must not have a query or fragment');
  const positiveInt = (name: string, value: number | undefined, fallback: number): number => {
    if (value === undefined) return fallback;
    if (!Number.isInteger(value) || value < 1) throw new Error(`createEmulator: ${name} must be a positive integer`);
    return value;
  };
  return {
    publicUrl: options.publicUrl.replace(/\/+$/, ''),
    defaultTtlSeconds: positiveInt('defaultTtlSeconds', options.defaultTtlSeconds, DEFAULT_TTL_SECONDS),
    mpinAttemptsBeforeLock: positiveInt('mpinAttemptsBeforeLock', options.mpinAttemptsBeforeLock, DEFAULT_MPIN_ATTEMPTS_BEFORE_LOCK),
    bankPageSize: positiveInt('bankPageSize', options.bankPageSize, DEFAULT_BANK_PAGE_SIZE),
  };
}
