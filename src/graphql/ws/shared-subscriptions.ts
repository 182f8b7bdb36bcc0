/**
 * One execution per distinct subscription. Subscribers that asked the same thing — the same
 * document, operation and variables, with the same role — share one upstream graphql-js
 * subscription: each event is executed once (resolvers, type-graphql middlewares and auth checks
 * included), finished once (error formatting, extensions.cost) and serialized once; every
 * subscriber of the group is handed the same result.
 *
 * Why the role is in the key: what an execution returns depends on its context only through the
 * caller's role (@Authorized fields such as Payment.refunds are FORBIDDEN below admin). A client-key
 * subscriber and an admin-key subscriber with the same document are in different groups, so an
 * admin-only field can never reach a client key. Within a role the group runs under the context of
 * the subscriber that created it: its key id is what actorMiddleware would attribute upstream calls
 * to, and an event's execution makes none (it reads the row the event carries, and the database).
 *
 * Delivery: a WebSocket subscriber joins with its SocketSink (socket-sink.ts) and is written to
 * directly: each event is serialized once (frames.ts) and every sink of the group is handed it in
 * one synchronous loop, graphql-ws seeing only the subscription's start and end. A subscriber
 * without a sink (an event stream, or a test) reads the group's results from its iterator, and
 * sharedPayloadOf() gives the JSON made once for them.
 */
import { print, subscribe as graphqlSubscribe, type ExecutionArgs, type ExecutionResult } from 'graphql';
import { failedSubscriptionResult, subscriberTooSlowError } from '../subscription-queue';
import { SharedEvent } from './frames';
import type { SocketSink } from './socket-sink';

type Upstream = AsyncGenerator<ExecutionResult, void, void> | AsyncIterableIterator<ExecutionResult>;
type SubscribeResult = Upstream | ExecutionResult;

/** What the group key is made of, null when this operation must run alone. */
export type ShareKeyOf = (args: ExecutionArgs) => string | null;

export interface SharedSubscriptionsOptions {
  /** The group key (default: role, printed document, operation name and variables). */
  keyOf: ShareKeyOf;
  /** The payload subscribers receive for a result (formatting, extensions), made once per event. */
  finish: (result: ExecutionResult, args: ExecutionArgs) => Record<string, unknown>;
  /** graphql-js subscribe (tests may count it). */
  subscribe?: (args: ExecutionArgs) => Promise<SubscribeResult> | SubscribeResult;
}

/** The payload made once for a result a group delivered (for transports that serialize themselves). */
export class SharedPayload {
  constructor(readonly json: string) {}
}

/** JSON with object keys sorted, so that {a, b} and {b, a} variables make one key. */
export function canonicalJson(value: unknown): string {
  if (value === undefined) return 'null';
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.keys(value as Record<string, unknown>)
    .sort()
    .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
    .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
  return `{${entries.join(',')}}`;
}

/** The default group key: [role, document, operationName, variables]; null without a caller. */
export function roleDocumentVariablesKey(roleOf: (contextValue: unknown) => string | null): ShareKeyOf {
  return (args) => {
    const role = roleOf(args.contextValue);
    if (role === null) return null;
    return JSON.stringify([role, print(args.document), args.operationName ?? null, canonicalJson(args.variableValues ?? {})]);
  };
}

/**
 * A member's own execution arguments are kept by graphql-ws for as long as its subscription runs
 * (they are the object our onSubscribe returned, handed back to onNext), yet only the group's are
 * ever executed. Pointing the member's at the group's parsed document and context lets its own copy
 * go: with 1,000 subscribers of one pidx that was about 9 KiB of syntax tree (tokens and locations)
 * and a context with its loaders each. The key says they are equivalent: same printed document,
 * operation, variables and role.
 */
function adoptGroupArgs(member: ExecutionArgs, group: ExecutionArgs): void {
  if (member === group) return;
  member.document = group.document;
  member.contextValue = group.contextValue;
  member.variableValues = group.variableValues;
}

/** The payload made once for a result a group delivered. */
const SHARED_PAYLOADS = new WeakMap<ExecutionResult, SharedPayload>();

function isAsyncIterable(value: unknown): value is Upstream {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}

/**
 * One subscriber's view of a group: an iterator of the group's results, in order; or, with a sink,
 * an iterator that yields nothing while the group writes to the sink, and ends as the group does.
 *
 * With a sink, events are written from the first next() on (graphql-ws calls it once it holds the
 * subscription, so no frame can precede its registration); what came before waits until then.
 * An end with an error is one error result, then done (subscription-queue.ts says why), and so is
 * falling more than the sink's limit behind (SUBSCRIBER_TOO_SLOW), after which the member leaves.
 */
class Member implements AsyncGenerator<ExecutionResult, void, void> {
  private readonly queue: SharedEvent[] = [];
  private waiting: { resolve: (result: IteratorResult<ExecutionResult, void>) => void; reject: (error: unknown) => void } | null = null;
  private ended = false;
  private failure: { error: unknown } | null = null;
  /** With a sink: the result the stream ends with (an error), before done. */
  private last: ExecutionResult | null = null;
  private attached = false;

  constructor(
    private readonly leave: (member: Member) => void,
    /** Where this subscriber's events are written, if they are (the WebSocket). */
    readonly sink: SocketSink | null,
  ) {}

  deliver(event: SharedEvent): void {
    if (this.ended) return;
    if (this.attached) {
      if (!this.sink!.push(event)) this.tooSlow();
    } else if (this.waiting) {
      const { resolve } = this.waiting;
      this.waiting = null;
      resolve({ done: false, value: event.result });
    } else this.queue.push(event);
  }

  /** The group ended (with an error, or when the upstream did): after what is queued, done or that error. */
  finish(error?: { error: unknown }): void {
    if (this.ended) return;
    this.ended = true;
    this.failure = error ?? null;
    if (this.attached) {
      this.sink!.flush();
      this.settle();
    } else if (this.waiting && this.queue.length === 0) {
      const { resolve, reject } = this.waiting;
      this.waiting = null;
      if (this.failure) reject(this.failure.error);
      else resolve({ done: true, value: undefined });
    }
  }

  next(): Promise<IteratorResult<ExecutionResult, void>> {
    if (this.sink) return this.nextAttached();
    const event = this.queue.shift();
    if (event) return Promise.resolve({ done: false, value: event.result });
    if (this.ended) {
      const failure = this.failure;
      this.failure = null;
      return failure ? Promise.reject(failure.error) : Promise.resolve({ done: true, value: undefined });
    }
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
    });
  }

  /** With a sink: starts writing (what waited first), then waits for the end. */
  private nextAttached(): Promise<IteratorResult<ExecutionResult, void>> {
    if (!this.attached) {
      this.attached = true;
      for (const event of this.queue.splice(0)) {
        if (!this.sink!.push(event)) {
          this.tooSlow();
          break;
        }
      }
      if (this.ended) this.sink!.flush();
    }
    if (this.ended) {
      const value = this.ending();
      return Promise.resolve(value ? { done: false, value } : { done: true, value: undefined });
    }
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
    });
  }

  /** With a sink: the result to end with, once (an error), else null for done. */
  private ending(): ExecutionResult | null {
    if (this.failure) {
      this.last = failedSubscriptionResult(this.failure.error);
      this.failure = null;
    }
    const last = this.last;
    this.last = null;
    return last;
  }

  private settle(): void {
    if (!this.waiting) return;
    const { resolve } = this.waiting;
    this.waiting = null;
    const value = this.ending();
    resolve(value ? { done: false, value } : { done: true, value: undefined });
  }

  /** More than the sink's limit waiting: what waits is dropped, one SUBSCRIBER_TOO_SLOW error, then done. */
  private tooSlow(): void {
    this.ended = true;
    this.last = { errors: [subscriberTooSlowError(this.sink!.limit)] };
    this.leave(this);
    this.settle();
  }

  return(): Promise<IteratorResult<ExecutionResult, void>> {
    this.queue.length = 0;
    this.sink?.clear();
    this.failure = null;
    this.last = null;
    this.finish();
    this.leave(this);
    return Promise.resolve({ done: true, value: undefined });
  }

  throw(error?: unknown): Promise<IteratorResult<ExecutionResult, void>> {
    void this.return();
    return Promise.reject(error);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.return();
  }
}

/** Subscribers of one key and the one upstream subscription they share. */
class Group {
  readonly members = new Set<Member>();
  private upstream: Upstream | null = null;
  /** Set once the upstream subscription was refused (an ExecutionResult with errors): every joiner gets it. */
  private refused: ExecutionResult | null = null;
  private closed = false;
  readonly ready: Promise<void>;

  constructor(
    private readonly args: ExecutionArgs,
    private readonly options: SharedSubscriptionsOptions,
    private readonly forget: (group: Group) => void,
  ) {
    this.ready = Promise.resolve()
      .then(() => (options.subscribe ?? graphqlSubscribe)(args))
      .then(
        (result) => {
          if (!isAsyncIterable(result)) {
            this.refused = result;
            this.close();
            return;
          }
          this.upstream = result;
          if (this.closed || this.members.size === 0) {
            this.close();
            return;
          }
          void this.pump(result);
        },
        (error: unknown) => {
          this.refused = null;
          this.close({ error });
        },
      );
  }

  /** A new subscriber: the group's iterator, or the result that refused the subscription. */
  async join(args: ExecutionArgs, sink: SocketSink | null): Promise<SubscribeResult> {
    const member = new Member((left) => this.leave(left), sink);
    this.members.add(member);
    await this.ready;
    if (this.refused) {
      this.members.delete(member);
      return this.refused;
    }
    adoptGroupArgs(args, this.args);
    return member;
  }

  private leave(member: Member): void {
    this.members.delete(member);
    // The last one out ends the upstream subscription (a new subscriber then starts a new group).
    if (this.members.size === 0 && this.upstream) this.close();
  }

  private async pump(upstream: Upstream): Promise<void> {
    try {
      for (;;) {
        const step = await upstream.next();
        if (step.done) break;
        // Finished and serialized once; then every subscriber in one synchronous loop (socket-sink.ts).
        const event = new SharedEvent(step.value, JSON.stringify(this.options.finish(step.value, this.args)));
        SHARED_PAYLOADS.set(step.value, new SharedPayload(event.json));
        for (const member of this.members) member.deliver(event);
      }
      this.close();
    } catch (error) {
      this.close({ error });
    }
  }

  private close(error?: { error: unknown }): void {
    if (this.closed) return;
    this.closed = true;
    this.forget(this);
    for (const member of this.members) member.finish(error);
    this.members.clear();
    void this.upstream?.return?.();
  }
}

/** Whether a subscribe result writes its events to its sink itself (its iterator then yields only how it ended). */
export function writesDirectly(result: unknown): boolean {
  return result instanceof Member && result.sink !== null;
}

export function sharedPayloadOf(result: ExecutionResult): SharedPayload | undefined {
  return SHARED_PAYLOADS.get(result);
}

export class SharedSubscriptions {
  private readonly groups = new Map<string, Group>();

  constructor(private readonly options: SharedSubscriptionsOptions) {}

  /**
   * Joins (or starts) the group of `args`. With a sink, a shared subscription's events are written
   * to it (writesDirectly() is then true of the result); an operation that runs alone ignores it.
   */
  subscribe(args: ExecutionArgs, sink: SocketSink | null = null): Promise<SubscribeResult> {
    const key = this.options.keyOf(args);
    if (key === null) return Promise.resolve((this.options.subscribe ?? graphqlSubscribe)(args));
    let group = this.groups.get(key);
    if (!group) {
      const created: Group = new Group(args, this.options, (done) => {
        if (this.groups.get(key) === done) this.groups.delete(key);
      });
      group = created;
      this.groups.set(key, created);
    }
    return group.join(args, sink);
  }

  /** Distinct selections being executed now (one upstream subscription each). */
  get size(): number {
    return this.groups.size;
  }
}
