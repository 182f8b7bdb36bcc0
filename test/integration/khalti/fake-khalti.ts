/**
 * A recording fake of Khalti for the client's tests: a node:http server on 127.0.0.1:0 that
 * records every request (method, path, headers, body) and answers with scripted responses,
 * including broken ones at the socket level.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { performance } from 'node:perf_hooks';

export interface RecordedRequest {
  method: string;
  /** Path and query exactly as received. */
  path: string;
  /** Path without query. */
  pathname: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  /** Raw body text. */
  body: string;
  /** Parsed JSON body, or undefined. */
  json: unknown;
  /** The client's port: requests with the same one came over the same connection. */
  remotePort: number | undefined;
  /** performance.now() when the whole request had arrived. */
  receivedAt: number;
  /** performance.now() when the answer was fully written (unset until then, or if there was none). */
  answeredAt?: number;
}

export type Reply =
  /** A JSON answer. */
  | { kind: 'json'; status?: number; body: unknown; headers?: Record<string, string> }
  /** Any text (HTML error page, non-JSON). */
  | { kind: 'text'; status?: number; body: string; contentType?: string }
  /** Destroy the socket without answering (connection reset before headers). */
  | { kind: 'destroy' }
  /** Never answer; the client's headers timeout must fire. */
  | { kind: 'hang' }
  /** Headers announce the full length, half the body is sent, then nothing more (socket held). */
  | { kind: 'half-body'; status?: number; body: string }
  /** Headers announce the full length, half the body is sent, then the socket is destroyed. */
  | { kind: 'half-body-close'; status?: number; body: string }
  /** The body trickles out, each chunk in time for the body timeout but all of it too slow. */
  | { kind: 'dribble'; status?: number; body: string; chunkDelayMs: number; chunkSize?: number }
  /** No Content-Length, `Connection: close`: the body is cut short and the response ends "cleanly". */
  | { kind: 'truncated'; status?: number; body: string }
  /** Bytes that are not HTTP at all. */
  | { kind: 'garbage' }
  /** Another reply, sent this long after the request arrived. */
  | { kind: 'later'; afterMs: number; reply: Reply }
  /** Another reply, sent when the promise settles (the test decides when). */
  | { kind: 'held'; until: Promise<Reply> }
  /** Headers and the first half of a JSON body at once, the rest after `gapMs`. */
  | { kind: 'split'; status?: number; body: unknown; gapMs: number };

export type Handler = (req: RecordedRequest) => Reply;

export class FakeKhalti {
  readonly requests: RecordedRequest[] = [];
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private queue: Reply[] = [];
  private handler: Handler = () => ({ kind: 'json', status: 500, body: { detail: 'fake: no reply scripted' } });
  private port = 0;
  private open = 0;
  /** The most requests this fake was ever answering at once. */
  maxInFlight = 0;
  private readonly arrivalWaiters: Array<{ count: number; resolve: () => void }> = [];

  constructor() {
    this.server = createServer((req, res) => void this.onRequest(req, res));
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Replies for the next requests, in order; after them the handler answers. */
  reply(...replies: Reply[]): this {
    this.queue.push(...replies);
    return this;
  }

  /** Answers every request the queue does not (replaces the previous handler). */
  handle(handler: Handler): this {
    this.handler = handler;
    return this;
  }

  /** Resolves once this many requests have arrived in all. */
  waitForRequests(count: number): Promise<void> {
    if (this.requests.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.arrivalWaiters.push({ count, resolve }));
  }

  /** Forget requests, queued replies and the handler; drop open connections. */
  reset(): void {
    this.requests.length = 0;
    this.maxInFlight = 0;
    this.queue = [];
    this.handler = () => ({ kind: 'json', status: 500, body: { detail: 'fake: no reply scripted' } });
    this.dropConnections();
  }

  dropConnections(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const s of this.sockets) s.destroy();
  }

  async stop(): Promise<void> {
    this.dropConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://fake');
    let json: unknown;
    try {
      json = body ? JSON.parse(body) : undefined;
    } catch {
      json = undefined;
    }
    const recorded: RecordedRequest = {
      method: req.method ?? '',
      path: req.url ?? '',
      pathname: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: req.headers,
      body,
      json,
      remotePort: req.socket.remotePort,
      receivedAt: performance.now(),
    };
    this.requests.push(recorded);
    this.open++;
    this.maxInFlight = Math.max(this.maxInFlight, this.open);
    res.on('finish', () => (recorded.answeredAt = performance.now()));
    res.on('close', () => this.open--);
    for (const waiter of this.arrivalWaiters.filter((w) => this.requests.length >= w.count)) {
      this.arrivalWaiters.splice(this.arrivalWaiters.indexOf(waiter), 1);
      waiter.resolve();
    }
    const reply = this.queue.shift() ?? this.handler(recorded);
    this.send(reply, res);
  }

  private send(reply: Reply, res: ServerResponse): void {
    const socket = res.socket!;
    switch (reply.kind) {
      case 'later':
        this.later(reply.afterMs, () => {
          if (!res.destroyed) this.send(reply.reply, res);
        });
        return;
      case 'held':
        void reply.until.then((next) => {
          if (!res.destroyed) this.send(next, res);
        });
        return;
      case 'split': {
        const text = JSON.stringify(reply.body);
        const half = Math.floor(text.length / 2);
        res.writeHead(reply.status ?? 200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
        res.write(text.slice(0, half));
        this.later(reply.gapMs, () => {
          if (!res.destroyed) res.end(text.slice(half));
        });
        return;
      }
      case 'json': {
        const text = JSON.stringify(reply.body);
        res.writeHead(reply.status ?? 200, {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(text),
          ...reply.headers,
        });
        res.end(text);
        return;
      }
      case 'text':
        res.writeHead(reply.status ?? 200, {
          'content-type': reply.contentType ?? 'text/html; charset=utf-8',
          'content-length': Buffer.byteLength(reply.body),
        });
        res.end(reply.body);
        return;
      case 'destroy':
        socket.destroy();
        return;
      case 'hang':
        return; // dropConnections() cleans up
      case 'half-body':
      case 'half-body-close': {
        res.writeHead(reply.status ?? 200, {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(reply.body),
        });
        res.write(reply.body.slice(0, Math.floor(reply.body.length / 2)));
        if (reply.kind === 'half-body-close') this.later(20, () => socket.destroy());
        return;
      }
      case 'dribble': {
        const size = reply.chunkSize ?? 1;
        res.writeHead(reply.status ?? 200, {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(reply.body),
        });
        let offset = 0;
        const tick = () => {
          if (res.destroyed) return;
          res.write(reply.body.slice(offset, offset + size));
          offset += size;
          if (offset >= reply.body.length) res.end();
          else this.later(reply.chunkDelayMs, tick);
        };
        tick();
        return;
      }
      case 'truncated':
        res.writeHead(reply.status ?? 200, { 'content-type': 'application/json', connection: 'close' });
        res.end(reply.body.slice(0, Math.floor(reply.body.length / 2)));
        return;
      case 'garbage':
        socket.end('this is not HTTP at all\r\n\r\n');
        return;
    }
  }
}

export async function startFake(): Promise<FakeKhalti> {
  return new FakeKhalti().start();
}
