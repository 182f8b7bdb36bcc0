/**
 * One event of a shared subscription as every subscriber receives it: the result, its payload
 * serialized once, and the graphql-transport-ws `next` message's bytes made once per distinct
 * operation id.
 *
 * The message is what graphql-ws would write, `{"id":<id>,"type":"next","payload":<payload>}`,
 * members in that order; only the id differs between subscribers. Everything after the id is
 * encoded once per event; a frame is that tail copied behind the id. Subscribers that chose the
 * same id (clients that number their operations from 1, say) get the very same Buffer, made once:
 * the last frame made is kept, and a group's subscribers are visited in the order they joined.
 */
import type { ExecutionResult } from 'graphql';

const HEAD = '{"id":';
const HEAD_BYTES = Buffer.byteLength(HEAD);

export class SharedEvent {
  /** `,"type":"next","payload":<payload>}` as UTF-8. */
  private readonly tail: Buffer;
  private lastIdJson: string | null = null;
  private lastFrame: Buffer | null = null;

  constructor(
    /** The execution result (what transports that serialize for themselves are handed). */
    readonly result: ExecutionResult,
    /** The payload (the finished result) as JSON, made once. */
    readonly json: string,
  ) {
    this.tail = Buffer.from(`,"type":"next","payload":${json}}`);
  }

  /** The `next` message for the subscriber whose id, as JSON, is `idJson`. */
  frameFor(idJson: string): Buffer {
    if (idJson === this.lastIdJson) return this.lastFrame!;
    const idBytes = Buffer.byteLength(idJson);
    const frame = Buffer.allocUnsafe(HEAD_BYTES + idBytes + this.tail.length);
    frame.write(HEAD, 0, 'latin1');
    frame.write(idJson, HEAD_BYTES, 'utf8');
    this.tail.copy(frame, HEAD_BYTES + idBytes);
    this.lastIdJson = idJson;
    this.lastFrame = frame;
    return frame;
  }
}
