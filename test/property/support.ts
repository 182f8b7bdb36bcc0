/**
 * Helpers shared by the property-based suites (test/property/*.test.ts): a gateway with limits
 * out of the way, raw HTTP, row counts read straight from the SQLite file, and fast-check
 * settings that keep the folder quick while still printing a seed on failure.
 */
import fc from 'fast-check';
import { request } from 'undici';
import { RequestLog } from '../../src/sandbox/emulator.requests';
import type { RequestLogEntry } from '../../src/sandbox/emulator.types';
import { startGateway, type TestGateway } from '../support/gateway';
import type { AppOptions } from '../../src/app';
import { rowCount } from '../support/database';

/** GraphQL Int is a 32-bit signed integer. */
export const INT_MAX = 2 ** 31 - 1;
export const INT_MIN = -(2 ** 31);

/**
 * The real gateway (embedded emulator, SQLite on disk) with rate limits and cost limits raised,
 * so hundreds of generated operations are judged on their content, not throttled.
 */
export function startPropertyGateway(env: Record<string, string> = {}, options: AppOptions = {}): Promise<TestGateway> {
  return startGateway(
    {
    RATE_LIMIT_PER_MINUTE: '1000000',
    RATE_LIMIT_INITIATE_PER_MINUTE: '1000000',
    RATE_LIMIT_REFUND_PER_MINUTE: '1000000',
    RATE_LIMIT_RETURN_PER_MINUTE: '0',
    GRAPHQL_MAX_COST: '1000000',
    ...env,
    },
    options,
  );
}

/** Every table's row count, read through a separate read-only connection (so nothing is cached). */
export interface RowCounts {
  payments: number;
  refunds: number;
  initiations: number;
  audit_log: number;
}

export async function rowCounts(gateway: TestGateway): Promise<RowCounts> {
  const count = (table: string) => rowCount(gateway.app.database, table);
  return { payments: await count('payments'), refunds: await count('refunds'), initiations: await count('initiations'), audit_log: await count('audit_log') };
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: any;
}

function tryJson(text: string): any {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** POST /graphql with any body bytes and headers. */
export async function rawGraphql(gateway: TestGateway, body: string | Uint8Array, headers: Record<string, string>): Promise<RawResponse> {
  const response = await request(`${gateway.app.url}/graphql`, { method: 'POST', headers, body });
  const text = await response.body.text();
  return { status: response.statusCode, headers: response.headers, text, json: tryJson(text) };
}

/** GET a path (with its query string as given) without following redirects. */
export async function rawGet(gateway: TestGateway, pathAndQuery: string): Promise<RawResponse> {
  const response = await request(`${gateway.app.url}${pathAndQuery}`, { method: 'GET' });
  const text = await response.body.text();
  return { status: response.statusCode, headers: response.headers, text, json: tryJson(text) };
}

/**
 * Every API request the (embedded) emulator receives, tallied as it arrives. The emulator's own
 * request log keeps only its last 5000 entries, which long or deep (FC_RUNS_SCALE) runs outgrow,
 * so "one more call than before" is counted here instead, by watching the log's add(). This is
 * still Khalti's view of what arrived, not the gateway's.
 */
const tally = { byRoute: new Map<string, number>(), byPath: new Map<string, number>() };
const originalAdd = RequestLog.prototype.add;
jest.spyOn(RequestLog.prototype, 'add').mockImplementation(function (this: RequestLog, entry: RequestLogEntry) {
  tally.byRoute.set(entry.route, (tally.byRoute.get(entry.route) ?? 0) + 1);
  if (entry.route === 'refund') tally.byPath.set(entry.path, (tally.byPath.get(entry.path) ?? 0) + 1);
  return originalAdd.call(this, entry);
});

/** Requests the emulator has received so far, per route (initiate, lookup, refund, banks, status). */
export async function upstreamCounts(_gateway?: TestGateway): Promise<Record<string, number>> {
  return { initiate: 0, lookup: 0, refund: 0, banks: 0, status: 0, ...Object.fromEntries(tally.byRoute) };
}

/** Requests the emulator has received so far for one route. */
export function upstreamCount(route: string): number {
  return tally.byRoute.get(route) ?? 0;
}

/** Refund requests the emulator has received whose path names one of these ids (transaction id or pidx). */
export function refundRequestsFor(ids: (string | null | undefined)[]): number {
  const wanted = ids.filter((id): id is string => Boolean(id)).map((id) => `/${id}/`);
  let n = 0;
  for (const [path, count] of tally.byPath) if (wanted.some((id) => path.includes(id))) n += count;
  return n;
}

/**
 * fast-check parameters: a fixed number of runs per property, and a seed taken from
 * FC_SEED when set (to replay a failure: FC_SEED=<seed printed in the failure> npx jest ...),
 * scaled by FC_RUNS_SCALE when set.
 * fast-check prints the seed and the shrunk counterexample on failure either way.
 */
export function fcParams<T>(numRuns: number, extra: fc.Parameters<T> = {}): fc.Parameters<T> {
  const seed = process.env.FC_SEED ? Number(process.env.FC_SEED) : undefined;
  // FC_RUNS_SCALE=10 explores ten times deeper (locally, not in the default run).
  const scale = process.env.FC_RUNS_SCALE ? Number(process.env.FC_RUNS_SCALE) : 1;
  return { numRuns: Math.max(1, Math.round(numRuns * scale)), ...(seed !== undefined ? { seed } : {}), ...extra };
}

/** A jest timeout for a property, scaled like its number of runs. */
export function scaledTimeout(ms: number): number {
  return ms * (process.env.FC_RUNS_SCALE ? Math.max(1, Number(process.env.FC_RUNS_SCALE)) : 1);
}

let sequence = 0;
/** A purchaseOrderId nobody else uses in this process. */
export function uniqueOrderId(prefix = 'prop'): string {
  sequence += 1;
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${sequence}`;
}

/**
 * Counts what generated cases exercised (outcomes, codes), printed after the suite when
 * PROP_STATS=1: a cheap way to see that generators reach the interesting cases.
 */
export class Stats {
  private readonly counts = new Map<string, number>();
  constructor(private readonly title: string) {}
  count(what: string): void {
    this.counts.set(what, (this.counts.get(what) ?? 0) + 1);
  }
  print(): void {
    if (!process.env.PROP_STATS) return;
    const lines = [...this.counts].sort(([a], [b]) => a.localeCompare(b)).map(([what, n]) => `  ${what}: ${n}`);
    console.log(`${this.title}\n${lines.join('\n')}`);
  }
}
