/**
 * A raw graphql-transport-ws socket to the gateway (no client library), for tests that look at
 * frames, close codes and refused upgrades themselves.
 */
import WebSocket from 'ws';

export interface Frame {
  type: string;
  id?: string;
  payload?: any;
}

export interface RawSocket {
  ws: WebSocket;
  frames: Frame[];
  /** Raw text of each frame, as the server wrote it. */
  texts: string[];
  send(frame: Frame): void;
  /** The first frame (received so far or later) that matches. */
  frame(match: (frame: Frame) => boolean, timeoutMs?: number): Promise<Frame>;
  closed: Promise<{ code: number; reason: string }>;
  close(): void;
}

/** The open socket, or the HTTP status of a refused upgrade. */
export type Opened = { socket: RawSocket; status?: undefined } | { socket?: undefined; status: number };

export function openRawSocket(httpUrl: string, options: { origin?: string } = {}): Promise<Opened> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${httpUrl.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws', options.origin ? { origin: options.origin } : {});
    const frames: Frame[] = [];
    const texts: string[] = [];
    const waiters: (() => void)[] = [];
    const wake = () => waiters.splice(0).forEach((check) => check());
    ws.on('message', (data) => {
      texts.push(data.toString());
      frames.push(JSON.parse(data.toString()));
      wake();
    });
    const closed = new Promise<{ code: number; reason: string }>((done) =>
      ws.on('close', (code, reason) => {
        done({ code, reason: reason.toString() });
        wake();
      }),
    );
    ws.on('unexpected-response', (req, res) => {
      resolve({ status: res.statusCode ?? 0 });
      res.resume();
      req.destroy();
    });
    ws.on('error', reject);
    ws.on('open', () =>
      resolve({
        socket: {
          ws,
          frames,
          texts,
          closed,
          send: (frame) => ws.send(JSON.stringify(frame)),
          close: () => ws.close(),
          frame(match, timeoutMs = 10_000) {
            return new Promise((found, fail) => {
              const timer = setTimeout(() => fail(new Error(`no matching frame in ${timeoutMs} ms; got ${JSON.stringify(frames)}`)), timeoutMs);
              const check = () => {
                const hit = frames.find(match);
                if (hit) {
                  clearTimeout(timer);
                  found(hit);
                } else if (ws.readyState === WebSocket.CLOSED) {
                  clearTimeout(timer);
                  fail(new Error(`socket closed; frames ${JSON.stringify(frames)}`));
                } else waiters.push(check);
              };
              check();
            });
          },
        },
      }),
    );
  });
}
