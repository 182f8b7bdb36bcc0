/**
 * Fault injection: the ways a real upstream misbehaves (slow, 5xx, a proxy's HTML page, a reset
 * connection, a body that is not JSON, a cut-off body, a body that trickles in), on demand, for
 * the next N requests of a route. Phase 'after' lets the request take effect first and breaks
 * only the answer: the "did my refund happen?" situation a client must settle by lookup.
 */
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import { isPlainObject } from './emulator.drf';
import {
  API_ROUTES,
  FAULT_KINDS,
  FAULT_PHASES,
  type ApiResult,
  type ApiRouteName,
  type Fault,
  type FaultSpec,
} from './emulator.types';

const DEFAULT_MS = 1000;
/** Nobody wants a test to hang for minutes because of a typo in `ms`. */
const MAX_MS = 120_000;

export class FaultRegistry {
  private faults: Fault[] = [];
  /** Never reset, so an id handed out before a reset cannot name a later fault. */
  private nextId = 1;

  add(spec: FaultSpec): Fault {
    const fault: Fault = {
      id: `fault_${this.nextId++}`,
      route: spec.route,
      kind: spec.kind,
      remaining: spec.count ?? 1,
      ms: spec.ms,
      status: spec.status,
      body: spec.body,
      phase: spec.phase ?? 'before',
    };
    this.faults.push(fault);
    return fault;
  }

  /** The oldest fault matching this route, with one use consumed; undefined if none. */
  take(route: ApiRouteName): Fault | undefined {
    const fault = this.faults.find((f) => f.route === route || f.route === '*');
    if (!fault) return undefined;
    fault.remaining -= 1;
    if (fault.remaining <= 0) this.faults = this.faults.filter((f) => f !== fault);
    return { ...fault };
  }

  list(): Fault[] {
    return this.faults.map((f) => ({ ...f }));
  }

  clear(): void {
    this.faults = [];
  }
}

/** Checks a fault spec from the control API; returns a message for the first problem found. */
export function parseFaultSpec(input: unknown): { ok: true; spec: FaultSpec } | { ok: false; error: string } {
  if (!isPlainObject(input)) return { ok: false, error: 'Expected a JSON object.' };
  const known = new Set(['route', 'kind', 'count', 'ms', 'status', 'body', 'phase']);
  const unknown = Object.keys(input).filter((k) => !known.has(k));
  if (unknown.length > 0) return { ok: false, error: `Unknown field(s): ${unknown.join(', ')}.` };

  const routes: readonly string[] = [...API_ROUTES, '*'];
  if (typeof input.route !== 'string' || !routes.includes(input.route)) {
    return { ok: false, error: `route must be one of ${routes.join(', ')}.` };
  }
  if (typeof input.kind !== 'string' || !(FAULT_KINDS as readonly string[]).includes(input.kind)) {
    return { ok: false, error: `kind must be one of ${FAULT_KINDS.join(', ')}.` };
  }
  if (input.count !== undefined && !(Number.isInteger(input.count) && (input.count as number) >= 1)) {
    return { ok: false, error: 'count must be a positive integer.' };
  }
  if (input.ms !== undefined && !(typeof input.ms === 'number' && input.ms >= 0 && input.ms <= MAX_MS)) {
    return { ok: false, error: `ms must be a number from 0 to ${MAX_MS}.` };
  }
  if (
    input.status !== undefined &&
    !(Number.isInteger(input.status) && (input.status as number) >= 200 && (input.status as number) <= 599)
  ) {
    return { ok: false, error: 'status must be an integer HTTP status from 200 to 599.' };
  }
  if (input.phase !== undefined && !(FAULT_PHASES as readonly unknown[]).includes(input.phase)) {
    return { ok: false, error: `phase must be one of ${FAULT_PHASES.join(', ')}.` };
  }
  return { ok: true, spec: input as unknown as FaultSpec };
}

/**
 * What a 'before' fault sends where a real answer would be (the request was not processed, so
 * there is none): the fault's own status/body if given, else 200 and a detail saying so.
 */
export function standInResult(fault: Fault): ApiResult {
  return {
    status: fault.status ?? 200,
    body: fault.body ?? { detail: 'Emulator fault: this request was not processed.' },
  };
}

/** True once the client has gone away (it timed out, aborted, or we destroyed the socket). */
export function clientGone(req: IncomingMessage): boolean {
  return req.socket.destroyed;
}

export function jsonBytes(body: unknown): Buffer {
  return Buffer.from(JSON.stringify(body), 'utf8');
}

/** Sends an answer normally. */
export function sendResult(res: ServerResponse, result: ApiResult): void {
  const bytes = jsonBytes(result.body);
  res.writeHead(result.status, {
    ...result.headers,
    'Content-Type': 'application/json',
    'Content-Length': String(bytes.length),
  });
  res.end(bytes);
}

/**
 * Breaks (or delays) the answer `result` as the fault says. Returns the HTTP status when a
 * complete answer was sent, undefined when the client got no complete answer.
 */
export async function applyFault(
  req: IncomingMessage,
  res: ServerResponse,
  fault: Fault,
  result: ApiResult,
): Promise<number | undefined> {
  const ms = fault.ms ?? DEFAULT_MS;
  switch (fault.kind) {
    case 'latency': {
      await delay(ms, undefined, { ref: false });
      if (clientGone(req)) return undefined;
      sendResult(res, result);
      return result.status;
    }
    case 'status': {
      const status = fault.status ?? 500;
      sendRaw(res, status, fault.body ?? { detail: defaultDetail(status) });
      return status;
    }
    case 'html': {
      const status = fault.status ?? 502;
      const page = typeof fault.body === 'string' ? fault.body : proxyErrorPage(status);
      sendText(res, status, 'text/html; charset=utf-8', page);
      return status;
    }
    case 'reset': {
      // RST rather than FIN: what a crashed upstream or a load balancer's idle reaper looks like.
      req.socket.resetAndDestroy();
      return undefined;
    }
    case 'malformed': {
      const status = fault.status ?? 200;
      // The anti-JSON-hijacking prefix some frameworks add: plausible, and never valid JSON.
      const text = typeof fault.body === 'string' ? fault.body : `)]}',\n${JSON.stringify(result.body)}`;
      sendText(res, status, 'application/json', text);
      return status;
    }
    case 'truncated': {
      const bytes = jsonBytes(result.body);
      writeHeadFor(res, result, bytes);
      const cut = Math.max(1, Math.floor(bytes.length / 2));
      // Content-Length promises more than arrives: the client must notice the body is incomplete.
      res.write(bytes.subarray(0, cut), () => req.socket.destroy());
      return undefined;
    }
    case 'slow-body': {
      const bytes = jsonBytes(result.body);
      writeHeadFor(res, result, bytes);
      const cut = Math.max(1, Math.floor(bytes.length / 2));
      res.write(bytes.subarray(0, cut));
      await delay(ms, undefined, { ref: false });
      if (clientGone(req)) return undefined;
      res.end(bytes.subarray(cut));
      return result.status;
    }
  }
}

function writeHeadFor(res: ServerResponse, result: ApiResult, bytes: Buffer): void {
  res.writeHead(result.status, {
    ...result.headers,
    'Content-Type': 'application/json',
    'Content-Length': String(bytes.length),
  });
}

/** A string body goes as text, anything else as JSON. */
function sendRaw(res: ServerResponse, status: number, body: unknown): void {
  if (typeof body === 'string') sendText(res, status, 'text/plain; charset=utf-8', body);
  else sendResult(res, { status, body });
}

function sendText(res: ServerResponse, status: number, contentType: string, text: string): void {
  const bytes = Buffer.from(text, 'utf8');
  res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': String(bytes.length) });
  res.end(bytes);
}

function defaultDetail(status: number): string {
  if (status === 429) return 'Request was throttled.';
  if (status === 503) return 'Service temporarily unavailable, try again later.';
  if (status >= 500) return 'A server error occurred.';
  return STATUS_CODES[status] ?? 'Error';
}

/** What nginx in front of an application answers when the application is down. */
function proxyErrorPage(status: number): string {
  const title = `${status} ${STATUS_CODES[status] ?? 'Error'}`;
  return (
    `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n` +
    `<center><h1>${title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`
  );
}
