/**
 * WebSocket subscribers of a shared subscription are written to directly (ws/socket-sink.ts):
 * the frame graphql-ws would have sent, made once per event and id; one frame in flight per
 * subscriber; past the limit SUBSCRIBER_TOO_SLOW and the subscriber leaves; the stream's end
 * (done, or one error result) comes after every frame.
 */
import { buildSchema, parse, type ExecutionArgs, type ExecutionResult } from 'graphql';
import { createPubSub } from '@graphql-yoga/subscription';
import { WebSocket } from 'ws';
import { SharedEvent } from '../../../../src/graphql/ws/frames';
import { roleDocumentVariablesKey, SharedSubscriptions, writesDirectly } from '../../../../src/graphql/ws/shared-subscriptions';
import { SocketSink, type FrameSocket } from '../../../../src/graphql/ws/socket-sink';

/** A socket that records frames and calls a write back only when told to (ack). */
function fakeSocket() {
  const frames: string[] = [];
  const buffers: Buffer[] = [];
  const callbacks: ((error?: Error) => void)[] = [];
  const socket: FrameSocket & { readyState: number } = {
    readyState: WebSocket.OPEN,
    send(data, options, cb) {
      expect(options).toEqual({ binary: false });
      buffers.push(data);
      frames.push(data.toString('utf8'));
      callbacks.push(cb);
    },
  };
  return {
    socket,
    frames,
    buffers,
    /** The oldest write not called back yet, called back. */
    ack() {
      callbacks.shift()!();
    },
    parsed: () => frames.map((frame) => JSON.parse(frame) as { id: string; type: string; payload: unknown }),
  };
}

function setup(upstream?: () => AsyncGenerator<ExecutionResult, void, void>) {
  const pubsub = createPubSub<{ changed: [id: string, value: number] }>();
  const schema = buildSchema('type Query { x: Int } type Event { value: Int } type Subscription { changed(id: ID!): Event }');
  const subscription = schema.getSubscriptionType()!.getFields()['changed']!;
  subscription.subscribe = (_root, args: { id: string }) => pubsub.subscribe('changed', args.id);
  subscription.resolve = (value: number) => ({ value });
  let upstreams = 0;
  const shared = new SharedSubscriptions({
    keyOf: roleDocumentVariablesKey((context) => (context as { role: string }).role),
    finish: (result) => ({ ...result, extensions: { cost: 1 } }),
    ...(upstream ? { subscribe: () => ((upstreams += 1), upstream()) } : {}),
  });
  const args = (): ExecutionArgs => ({ schema, document: parse('subscription { changed(id: "a") { value } }'), contextValue: { role: 'client' } });
  return { pubsub, shared, args, upstreams: () => upstreams };
}

const iterator = (value: unknown) => value as AsyncIterableIterator<ExecutionResult>;
const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('direct delivery to WebSocket subscribers', () => {
  it('writes the next message graphql-ws would send, from the first next() on, one Buffer per event for subscribers with the same id', async () => {
    const { pubsub, shared, args } = setup();
    const sockets = [fakeSocket(), fakeSocket(), fakeSocket()];
    const ids = ['1', '1', 'op"2'];
    const members = await Promise.all(sockets.map(async (s, i) => iterator(await shared.subscribe(args(), new SocketSink(s.socket, ids[i]!, 10)))));
    expect(members.every(writesDirectly)).toBe(true);

    // Before graphql-ws iterates, an event waits (no frame can precede the subscription's registration).
    pubsub.publish('changed', 'a', 1);
    await tick();
    expect(sockets.map((s) => s.frames.length)).toEqual([0, 0, 0]);
    const ends = members.map((member) => member.next());
    expect(sockets.map((s) => s.parsed())).toEqual(
      ids.map((id) => [{ id, type: 'next', payload: { data: { changed: { value: 1 } }, extensions: { cost: 1 } } }]),
    );
    sockets.forEach((s) => s.ack());

    pubsub.publish('changed', 'a', 2);
    await tick();
    expect(sockets[0]!.frames[1]).toBe('{"id":"1","type":"next","payload":{"data":{"changed":{"value":2}},"extensions":{"cost":1}}}');
    // Made once for the id both chose; the third subscriber's has its own id.
    expect(sockets[1]!.buffers[1]).toBe(sockets[0]!.buffers[1]);
    expect(sockets[2]!.frames[1]).toBe(sockets[0]!.frames[1]!.replace('"id":"1"', '"id":"op\\"2"'));

    // The iterator itself yields nothing: it ends when the subscriber leaves.
    let settled = false;
    void ends[0]!.then(() => (settled = true));
    await tick();
    expect(settled).toBe(false);
    await members[0]!.return!();
    expect(await ends[0]).toEqual({ done: true, value: undefined });
  });

  it('keeps one frame in flight per subscriber; past the limit the waiting ones are dropped, SUBSCRIBER_TOO_SLOW, done, and it leaves', async () => {
    const { pubsub, shared, args } = setup();
    const slow = fakeSocket();
    const fast = fakeSocket();
    const slowMember = iterator(await shared.subscribe(args(), new SocketSink(slow.socket, 's', 2)));
    const fastMember = iterator(await shared.subscribe(args(), new SocketSink(fast.socket, 'f', 2)));
    const slowEnd = slowMember.next();
    void fastMember.next();
    // The fast subscriber's write leaves at once, each time.
    const publish = async (value: number) => {
      pubsub.publish('changed', 'a', value);
      await tick();
      fast.ack();
    };
    await publish(1);
    expect(slow.frames).toHaveLength(1);
    // Two wait behind the first (the limit), the next is one too many.
    await publish(2);
    await publish(3);
    expect(slow.frames).toHaveLength(1);
    slow.ack();
    expect(slow.frames).toHaveLength(2); // the second, once the first left
    await publish(4);
    await publish(5);
    const end = await slowEnd;
    expect(end.done).toBe(false);
    expect(end.value!.errors![0]!.extensions.code).toBe('SUBSCRIBER_TOO_SLOW');
    expect(await slowMember.next()).toEqual({ done: true, value: undefined });
    // What waited was dropped: acknowledging the write in flight writes nothing more.
    slow.ack();
    expect(slow.parsed().map((frame) => (frame.payload as { data: { changed: { value: number } } }).data.changed.value)).toEqual([1, 2]);
    // The other subscriber is still served, and the group still runs for it.
    expect(shared.size).toBe(1);
    await publish(6);
    expect(fast.parsed().map((frame) => (frame.payload as { data: { changed: { value: number } } }).data.changed.value)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('ends after every frame: what waits is written before done, and a failed upstream is one error result', async () => {
    let push: ((result: IteratorResult<ExecutionResult, void>) => void) | null = null;
    let fail: ((error: unknown) => void) | null = null;
    const controlled = (): AsyncGenerator<ExecutionResult, void, void> => {
      const generator: AsyncGenerator<ExecutionResult, void, void> = {
        next: () =>
          new Promise((resolve, reject) => {
            push = resolve;
            fail = reject;
          }),
        return: async () => ({ done: true, value: undefined }),
        throw: async (error) => Promise.reject(error),
        [Symbol.asyncIterator]: () => generator,
        [Symbol.asyncDispose]: async () => undefined,
      };
      return generator;
    };
    const emit = async (n: number) => {
      push!({ done: false, value: { data: { n } } });
      await tick();
    };

    const { shared, args, upstreams } = setup(controlled);
    const socket = fakeSocket();
    const member = iterator(await shared.subscribe(args(), new SocketSink(socket.socket, '1', 10)));
    const end = member.next();
    await tick();
    await emit(1);
    await emit(2);
    await emit(3);
    expect(socket.frames).toHaveLength(1);
    push!({ done: true, value: undefined });
    expect(await end).toEqual({ done: true, value: undefined });
    expect(socket.parsed().map((frame) => frame.payload)).toEqual([1, 2, 3].map((n) => ({ data: { n }, extensions: { cost: 1 } })));

    const again = fakeSocket();
    const second = iterator(await shared.subscribe(args(), new SocketSink(again.socket, '2', 10)));
    expect(upstreams()).toBe(2);
    const secondEnd = second.next();
    await tick();
    await emit(4);
    fail!(new Error('log unreadable'));
    const failed = await secondEnd;
    expect(failed.done).toBe(false);
    expect(failed.value!.errors!.map((error: Error) => error.message)).toEqual(['log unreadable']);
    expect(await second.next()).toEqual({ done: true, value: undefined });
    expect(again.frames).toHaveLength(1);
  });

  it('writes nothing to a socket that is closing', async () => {
    const { pubsub, shared, args } = setup();
    const socket = fakeSocket();
    const member = iterator(await shared.subscribe(args(), new SocketSink(socket.socket, '1', 10)));
    void member.next();
    socket.socket.readyState = WebSocket.CLOSING;
    pubsub.publish('changed', 'a', 1);
    await tick();
    expect(socket.frames).toEqual([]);
  });

  it('an operation that runs alone is not written directly', async () => {
    const { shared, args } = setup();
    const alone = new SharedSubscriptions({ keyOf: () => null, finish: (result) => ({ ...result }) });
    const result = await alone.subscribe(args(), new SocketSink(fakeSocket().socket, '1', 10));
    expect(writesDirectly(result)).toBe(false);
    expect(writesDirectly(await shared.subscribe(args()))).toBe(false);
  });
});

describe('SharedEvent', () => {
  it('frames any id as JSON, and keeps the payload bytes as they are', () => {
    const event = new SharedEvent({ data: { text: 'नमस्ते' } }, JSON.stringify({ data: { text: 'नमस्ते' } }));
    for (const id of ['1', 'a"b\\c', 'ग्राहक', '']) {
      expect(JSON.parse(event.frameFor(JSON.stringify(id)).toString('utf8'))).toEqual({ id, type: 'next', payload: { data: { text: 'नमस्ते' } } });
    }
  });
});
