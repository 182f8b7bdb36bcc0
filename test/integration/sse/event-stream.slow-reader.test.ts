/**
 * /graphql/stream's bound on a slow reader, over a real socket: a client that stops reading while
 * events keep coming is ended once its unflushed events pass the limit, with one
 * SUBSCRIBER_TOO_SLOW error and `complete` after what it had been sent, and the subscription it
 * was reading is left (no unbounded queue in graphql-sse or in Node's write buffer).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import express from 'express';
import { buildSchema, parse, type ExecutionArgs, type ExecutionResult } from 'graphql';
import { ConnectionBudget } from '../../../src/graphql/connection-budget';
import { eventStream } from '../../../src/graphql/sse/event-stream';

const schema = buildSchema('type Query { ok: Boolean } type Subscription { tick: String }');
const BIG = 'x'.repeat(32 * 1024);

describe('an event stream whose reader stops reading', () => {
  let server: Server;
  let produced = 0;
  let left = false;

  beforeAll(async () => {
    const source = (): AsyncIterableIterator<ExecutionResult> => {
      const iterator: AsyncIterableIterator<ExecutionResult> = {
        async next() {
          if (left) return { done: true, value: undefined };
          // Events as fast as the stream takes them; the reader takes none.
          await new Promise((resolve) => setImmediate(resolve));
          produced += 1;
          return { done: false, value: { data: { tick: `${produced}:${BIG}` } } };
        },
        async return() {
          left = true;
          return { done: true, value: undefined };
        },
        [Symbol.asyncIterator]: () => iterator,
      };
      return iterator;
    };
    const streams = eventStream<Record<PropertyKey, unknown>>({
      contextOf: () => ({}),
      prepare: async (params) => ({ schema, document: parse(String(params.query)), contextValue: {} }) as ExecutionArgs,
      subscribe: async () => source(),
      present: (result) => result,
      formatError: (formatted) => formatted,
      budget: new ConnectionBudget(10),
      queueLimit: 5,
    });
    const app = express();
    app.use(express.json());
    app.use('/graphql/stream', streams.handler);
    server = createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('is ended with SUBSCRIBER_TOO_SLOW once more than the limit is unflushed, and the source is left', async () => {
    const { port } = server.address() as AddressInfo;
    const socket = connect(port, '127.0.0.1');
    // A small receive buffer, and no reading: the server's writes back up.
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.pause();
    const body = JSON.stringify({ query: 'subscription { tick }' });
    socket.write(`POST /graphql/stream HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);

    const deadline = Date.now() + 15_000;
    while (!left && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(left).toBe(true);
    const producedWhenLeft = produced;
    // Nothing more is pulled once the stream was ended.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(produced).toBeLessThanOrEqual(producedWhenLeft + 1);

    // Now read everything the server wrote: some ticks, then the error and complete, then the end.
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (text += chunk));
    socket.resume();
    await new Promise<void>((resolve) => socket.once('end', () => resolve()));
    // (Chunked encoding: each event was one write, so one chunk, and reads whole in the text.)
    const tooSlow = text.indexOf('event: next\ndata: {"errors":[{"message":"This subscriber fell 5 events behind');
    expect(tooSlow).toBeGreaterThan(0);
    expect(text.slice(tooSlow)).toMatch(/"code":"SUBSCRIBER_TOO_SLOW"[\s\S]*event: complete/);
    expect(text.indexOf('"tick"', tooSlow)).toBe(-1);
    const ticks = text.slice(0, tooSlow).split('event: next\ndata: {"data":{"tick"').length - 1;
    expect(ticks).toBeGreaterThan(5);
    expect(ticks).toBeLessThanOrEqual(producedWhenLeft);
    socket.destroy();
  });
});
