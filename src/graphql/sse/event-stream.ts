/**
 * Subscriptions over HTTP at /graphql/stream: the graphql-sse protocol, distinct connections mode
 * (one request, one text/event-stream response, one operation). The same keys (401 without), the
 * same context, limits, rate limits and trusted documents as the WebSocket (the caller mounts the
 * same Express middlewares in front), the same shared executions and the same events.
 *
 * Only subscriptions: a query or mutation is a 400 pointing to /graphql, before anything runs.
 *
 * Open streams hold a descriptor each, like sockets: they draw on the same budget as the WebSocket
 * (WS_MAX_CONNECTIONS counts both); at the cap a new stream is a 503 with Retry-After.
 *
 * A slow reader: each `next` event written is counted until Node has flushed it to the socket;
 * past SUBSCRIBER_QUEUE_LIMIT unflushed the stream gets one SUBSCRIBER_TOO_SLOW error and ends
 * (the WebSocket's bound is in subscription-queue.ts; graphql-sse itself would queue without end).
 *
 * Shutdown: endAll() ends every open stream (no `complete`, so clients reconnect, to another
 * instance, with their last cursor) and refuses new ones, so a stream never holds the drain open.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Request as ExpressRequest, RequestHandler, Response as ExpressResponse } from 'express';
import { getOperationAST, GraphQLError, type ExecutionArgs, type ExecutionResult } from 'graphql';
import { createHandler, type OperationArgs, type OperationContext, type OperationResult, type Response as SseResponse } from 'graphql-sse';
import { GRAPHQL_PATH } from '../graphql-path';
import type { ErrorFormatter } from '../limits/operation-guard';
import { SUBSCRIBER_QUEUE_LIMIT, subscriberTooSlowError } from '../subscription-queue';
import type { ConnectionBudget } from '../connection-budget';

export const STREAM_PATH = `${GRAPHQL_PATH}/stream`;
/** Retry-After for a stream refused at the cap, in seconds. */
const RETRY_AFTER_SECONDS = 5;

export interface EventStreamOptions<Context extends OperationContext> {
  /** The context of a request (the same builder as HTTP and WebSocket). */
  contextOf(req: IncomingMessage): Context;
  /** The guard's steps 1-4: execution arguments, or the errors that refuse the operation. */
  prepare(params: { query: unknown; operationName?: unknown; variables?: unknown; extensions?: unknown }, context: Context): Promise<ExecutionArgs | GraphQLError[]>;
  /** Runs the subscription (shared executions, bounded queue): as over the WebSocket. */
  subscribe(args: ExecutionArgs): Promise<AsyncIterable<ExecutionResult> | ExecutionResult>;
  /** An event as it is sent (errors formatted, extensions.cost): as over the WebSocket. */
  present(result: ExecutionResult, args: ExecutionArgs): ExecutionResult;
  /** Wraps a started subscription (the active-subscriptions gauge). */
  onOperation?(result: OperationResult): OperationResult;
  formatError: ErrorFormatter;
  budget: ConnectionBudget;
  metrics?: { streamOpened(): void; streamClosed(): void; refused?(): void };
  log?(line: string): void;
  /** Unflushed events a stream may have before it is ended; default SUBSCRIBER_QUEUE_LIMIT. */
  queueLimit?: number;
}

export interface EventStream {
  handler: RequestHandler;
  /** Streams open now. */
  open(): number;
  /** Ends every open stream and refuses new ones (shutdown). */
  endAll(): void;
}

export function eventStream<Context extends OperationContext>(options: EventStreamOptions<Context>): EventStream {
  const queueLimit = options.queueLimit ?? SUBSCRIBER_QUEUE_LIMIT;
  const openStreams = new Set<ServerResponse>();
  let ending = false;
  /** The execution arguments of each request's operation, for present(). */
  const argsOf = new WeakMap<IncomingMessage, ExecutionArgs>();

  const handle = createHandler<IncomingMessage, undefined, Context>({
    // Distinct connections only: no single-connection-mode reservations (PUT, tokens).
    authenticate: () => null,
    onSubscribe: async (req, params): Promise<SseResponse | OperationArgs<Context>> => {
      const prepared = await options.prepare(params, options.contextOf(req.raw));
      if (Array.isArray(prepared)) return refusal(prepared, options.formatError);
      const operation = getOperationAST(prepared.document, prepared.operationName);
      if (operation?.operation !== 'subscription') {
        const error = new GraphQLError(
          `${STREAM_PATH} carries subscriptions only; send this ${operation?.operation ?? 'operation'} over HTTP POST to ${GRAPHQL_PATH}. Nothing was run.`,
          { extensions: { code: 'BAD_USER_INPUT' } },
        );
        return refusal([error], options.formatError);
      }
      argsOf.set(req.raw, prepared);
      return prepared as OperationArgs<Context>;
    },
    subscribe: async (args) => endable(await options.subscribe(args)),
    onOperation: (_ctx, _req, _args, result) => options.onOperation?.(result),
    onNext: (_ctx, req, result) => {
      const args = argsOf.get(req.raw);
      return args ? options.present(result as ExecutionResult, args) : undefined;
    },
  });

  const handler: RequestHandler = async (req, res) => {
    if (!acceptsEventStream(req)) {
      sendJson(res, 406, [{ message: `${STREAM_PATH} answers with text/event-stream only: send Accept: text/event-stream (the graphql-sse client does).`, extensions: { code: 'BAD_USER_INPUT' } }]);
      return;
    }
    if (ending || !options.budget.take()) {
      options.metrics?.refused?.();
      res.setHeader('retry-after', String(RETRY_AFTER_SECONDS));
      const message = ending ? 'This instance is shutting down; try again (another instance will answer).' : 'Too many open streams and sockets; try again later.';
      sendJson(res, 503, [{ message, extensions: { code: 'RATE_LIMITED', retryAfterSeconds: RETRY_AFTER_SECONDS } }]);
      return;
    }
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      options.budget.release();
    };
    res.once('close', release);
    try {
      const [body, init] = await handle({
        method: req.method,
        url: req.url,
        headers: { get: (key) => (key === 'accept' ? 'text/event-stream' : headerOf(req, key)) },
        body: () => Promise.resolve((req.body as Record<string, unknown> | undefined) ?? null),
        raw: req,
        context: undefined,
      });
      if (!body || typeof body === 'string') {
        release();
        res.writeHead(init.status, init.statusText, init.headers);
        res.end(body ?? undefined);
        return;
      }
      await pipeStream(body, res, init);
    } catch (error) {
      release();
      options.log?.(`event stream: ${error instanceof Error ? error.message : String(error)}`);
      if (!res.headersSent) sendJson(res, 500, [{ message: 'Internal server error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } }]);
      else res.end();
    }
  };

  /** Writes the events as they come, counting the ones not flushed yet (see the file's comment). */
  async function pipeStream(body: AsyncGenerator<string, void, undefined>, res: ExpressResponse, init: { status: number; statusText: string; headers?: Record<string, string> }): Promise<void> {
    res.writeHead(init.status, init.statusText, { ...init.headers, 'x-accel-buffering': 'no' });
    res.flushHeaders();
    openStreams.add(res);
    options.metrics?.streamOpened();
    const stop = () => void body.return();
    res.once('close', stop);
    let unflushed = 0;
    try {
      for await (const chunk of body) {
        if (!res.writable || res.destroyed) break;
        const isEvent = chunk.startsWith('event: next');
        if (isEvent) unflushed += 1;
        res.write(chunk, () => {
          if (isEvent) unflushed -= 1;
        });
        if (unflushed > queueLimit) {
          res.write(`event: next\ndata: ${JSON.stringify({ errors: [options.formatError(subscriberTooSlowError(queueLimit).toJSON(), subscriberTooSlowError(queueLimit))] })}\n\n`);
          res.write('event: complete\ndata: \n\n');
          break;
        }
      }
    } finally {
      res.off('close', stop);
      await body.return();
      openStreams.delete(res);
      options.metrics?.streamClosed();
      if (!res.writableEnded) res.end();
    }
  }

  return {
    handler,
    open: () => openStreams.size,
    endAll() {
      ending = true;
      for (const res of openStreams) {
        // Ended without `complete`: the client reconnects (elsewhere) and resumes with its last cursor.
        res.end();
        res.destroy();
      }
    },
  };
}

/**
 * graphql-sse leaves (return()s) an operation when its stream ends only if it looks like a
 * generator (next, return and throw): anything else would go on being read into its queue.
 */
function endable(result: AsyncIterable<ExecutionResult> | ExecutionResult): AsyncIterable<ExecutionResult> | ExecutionResult {
  if (!(Symbol.asyncIterator in result)) return result;
  const iterator = result[Symbol.asyncIterator]();
  if (typeof iterator.return === 'function' && typeof iterator.throw === 'function' && iterator === (result as unknown)) return result;
  let left = false;
  const leave = async () => {
    left = true;
    await iterator.return?.();
  };
  const wrapped = {
    next: (): Promise<IteratorResult<ExecutionResult, void>> =>
      left ? Promise.resolve({ done: true, value: undefined }) : (iterator.next() as Promise<IteratorResult<ExecutionResult, void>>),
    return: async (): Promise<IteratorResult<ExecutionResult, void>> => {
      await leave();
      return { done: true, value: undefined };
    },
    throw: async (error: unknown): Promise<IteratorResult<ExecutionResult, void>> => {
      await leave();
      throw error;
    },
    [Symbol.asyncIterator]: () => wrapped,
  };
  return wrapped;
}

function acceptsEventStream(req: ExpressRequest): boolean {
  return (req.headers.accept ?? '').split(',').some((part) => part.split(';')[0]!.trim().toLowerCase() === 'text/event-stream');
}

function headerOf(req: IncomingMessage, key: string): string | undefined {
  const value = req.headers[key.toLowerCase()];
  return Array.isArray(value) ? value.join('\n') : value;
}

function sendJson(res: ServerResponse, status: number, errors: unknown[]): void {
  res.statusCode = status;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.end(JSON.stringify({ errors }));
}

/** A refused operation as an HTTP answer: 429 with Retry-After when rate limited, else 400. */
function refusal(errors: GraphQLError[], formatError: ErrorFormatter): SseResponse {
  const formatted = errors.map((error) => formatError(error.toJSON(), error));
  const limited = formatted.find((error) => error.extensions?.code === 'RATE_LIMITED');
  const retryAfter = limited?.extensions?.retryAfterSeconds;
  return [
    JSON.stringify({ errors: formatted }),
    {
      status: limited ? 429 : 400,
      statusText: limited ? 'Too Many Requests' : 'Bad Request',
      headers: { 'content-type': 'application/json; charset=utf-8', ...(limited && typeof retryAfter === 'number' ? { 'retry-after': String(retryAfter) } : {}) },
    },
  ];
}
