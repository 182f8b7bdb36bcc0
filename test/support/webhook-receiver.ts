/**
 * A merchant's webhook receiver on 127.0.0.1 (port 0), for tests: it records every request and
 * answers as told, one scripted answer per request and then the default: a status (with headers),
 * a redirect, or hanging past the sender's timeout. close() makes the port refuse connections;
 * reopen() listens on the same port again.
 */
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type Answer = { status: number; headers?: Record<string, string>; delayMs?: number } | { redirect: string } | 'hang';

export interface Received {
  at: number;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface Receiver {
  readonly port: number;
  url(path?: string): string;
  /** Every request that reached it, in order. */
  received: Received[];
  /** TCP connections accepted (a refused-at-connect check expects none). */
  connections: number;
  /** Answers for the next requests, in order; afterwards `fallback`. */
  script(...answers: Answer[]): void;
  fallback: Answer;
  /** Requests carrying this webhook-id. */
  withId(id: string): Received[];
  close(): Promise<void>;
  reopen(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const queue: Answer[] = [];
  const hanging = new Set<ServerResponse>();
  const sockets = new Set<Socket>();
  let server: Server;
  let port = 0;

  const receiver: Receiver = {
    get port() {
      return port;
    },
    url: (path = '/hook') => `http://127.0.0.1:${port}${path}`,
    received: [],
    connections: 0,
    script: (...answers) => void queue.push(...answers),
    fallback: { status: 200 },
    withId: (id) => receiver.received.filter((entry) => entry.headers['webhook-id'] === id),
    async close() {
      for (const response of hanging) response.destroy();
      hanging.clear();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
    async reopen() {
      await listen(port);
    },
  };

  const listen = async (on: number) => {
    server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        receiver.received.push({ at: Date.now(), path: request.url ?? '', headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
        const answer = queue.shift() ?? receiver.fallback;
        if (answer === 'hang') {
          hanging.add(response);
          response.on('close', () => hanging.delete(response));
          return;
        }
        if ('redirect' in answer) {
          response.writeHead(302, { location: answer.redirect }).end();
          return;
        }
        const reply = () => response.writeHead(answer.status, { 'content-type': 'text/plain', ...answer.headers }).end('ok');
        if (answer.delayMs) setTimeout(reply, answer.delayMs);
        else reply();
      });
    });
    server.on('connection', (socket) => {
      receiver.connections++;
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(on, '127.0.0.1', () => resolve());
    });
    port = (server.address() as AddressInfo).port;
  };
  await listen(0);
  return receiver;
}
