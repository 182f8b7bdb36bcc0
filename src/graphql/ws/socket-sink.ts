/**
 * One WebSocket subscriber of a shared subscription (shared-subscriptions.ts), written to directly.
 *
 * Why not through graphql-ws: for each event and each subscriber graphql-ws runs its for-await
 * loop, an async emit, our onNext hook, validateMessage and JSON.stringify of {id, type, payload},
 * and awaits a promise around socket.send: with 1,000 subscribers of one pidx that was most of the
 * gateway's CPU per delivered message, and every socket's write waited behind every other
 * subscriber's microtask hops. Here the group hands each event to every sink in one synchronous
 * loop and each sink writes the frame bytes made once for the event (frames.ts): what is left per
 * socket is ws's framing and the write itself, as in a bare ws broadcast.
 *
 * Flow control is graphql-ws's own, kept: one frame in flight per subscriber (the next is written
 * when ws says the previous one left, i.e. was handed to the kernel). What a slow subscriber has
 * not taken yet waits here, as shared events (not bytes of its own); past `limit` it is ended
 * (push() says so) and the caller sends SUBSCRIBER_TOO_SLOW, as subscription-queue.ts does for
 * the other transports.
 *
 * graphql-ws still owns the subscription's lifecycle: its subscribe, complete and error messages,
 * the close of the socket, and the last message of the stream (complete, or an error result), which
 * it sends after whatever flush() wrote.
 */
import { WebSocket } from 'ws';
import type { SharedEvent } from './frames';

/** What a sink needs of a ws socket. */
export interface FrameSocket {
  readonly readyState: number;
  send(data: Buffer, options: { binary: boolean }, cb: (error?: Error) => void): void;
}

/** A `next` frame is a text message (graphql-transport-ws is JSON over text frames). */
const TEXT = { binary: false } as const;
const ignore = () => undefined;

export class SocketSink {
  /** `"<id>"`: the subscriber's operation id as JSON, the only part of a frame that is its own. */
  readonly idJson: string;
  private writing = false;
  /** Events waiting for the write in flight; allocated only for a subscriber that falls behind. */
  private waiting: SharedEvent[] | null = null;
  private readonly written: () => void;

  constructor(
    private readonly socket: FrameSocket,
    id: string,
    /** Events that may wait behind the write in flight (SUBSCRIBER_QUEUE_LIMIT). */
    readonly limit: number,
  ) {
    this.idJson = JSON.stringify(id);
    // One callback per subscriber, made once (not a closure per write).
    this.written = () => {
      this.writing = false;
      const next = this.waiting?.shift();
      if (next) this.write(next);
    };
  }

  /** Writes the event now, or after the write in flight; false once more than `limit` wait (nothing more is written). */
  push(event: SharedEvent): boolean {
    if (!this.writing) {
      this.write(event);
      return true;
    }
    const waiting = (this.waiting ??= []);
    waiting.push(event);
    if (waiting.length <= this.limit) return true;
    this.clear();
    return false;
  }

  /** Writes what waits, without waiting for the write in flight: the stream ends next, after these. */
  flush(): void {
    const waiting = this.waiting;
    this.waiting = null;
    if (!waiting) return;
    for (const event of waiting) if (this.socket.readyState === WebSocket.OPEN) this.socket.send(event.frameFor(this.idJson), TEXT, ignore);
  }

  /** Drops what waits (the subscriber left or was ended). */
  clear(): void {
    this.waiting = null;
  }

  private write(event: SharedEvent): void {
    // A closing socket: graphql-ws ends its subscriptions when the close completes.
    if (this.socket.readyState !== WebSocket.OPEN) return;
    this.writing = true;
    this.socket.send(event.frameFor(this.idJson), TEXT, this.written);
  }
}
