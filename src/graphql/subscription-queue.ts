/**
 * Each subscriber's undelivered events, bounded. The transport pulls an event when it has sent the
 * previous one (graphql-ws waits for the socket's write); this iterator pulls from the subscription
 * as soon as events come, so what a slow subscriber has not taken yet waits here, and only here.
 * Past `limit` the subscriber is ended: what was queued is dropped, and its next result is one
 * error telling it to resubscribe with the last cursor it received (paymentStatusChanged's
 * `after` replays what it missed), then the stream completes.
 *
 * An error from the subscription itself (the log unreadable while replaying, say) ends it the
 * same way, as one error result, rather than as a thrown error, which graphql-ws would answer by
 * closing the whole socket (4500) and every other subscription on it.
 *
 * A WebSocket subscriber of a shared subscription is not read through here: the group writes to
 * its socket directly, and ws/socket-sink.ts keeps the same bound, with the same error.
 */
import { GraphQLError, type ExecutionResult } from 'graphql';

/** Undelivered events one subscriber may have queued before it is ended (SSE counts unflushed ones). */
export const SUBSCRIBER_QUEUE_LIMIT = 1000;

export function subscriberTooSlowError(limit: number): GraphQLError {
  return new GraphQLError(
    `This subscriber fell ${limit} events behind and was ended; nothing was lost: subscribe again with after set to the cursor of the last event you received.`,
    { extensions: { code: 'SUBSCRIBER_TOO_SLOW' } },
  );
}

/** How a subscription that failed ends: one error result (see above), not a thrown error. */
export function failedSubscriptionResult(error: unknown): ExecutionResult {
  return {
    errors: [error instanceof GraphQLError ? error : new GraphQLError(error instanceof Error ? error.message : String(error), { originalError: error instanceof Error ? error : undefined })],
  };
}

type Source = AsyncIterator<ExecutionResult>;

export function boundedSubscription(source: Source, limit: number = SUBSCRIBER_QUEUE_LIMIT): AsyncIterableIterator<ExecutionResult> {
  const queue: ExecutionResult[] = [];
  let waiting: ((result: IteratorResult<ExecutionResult, undefined>) => void) | null = null;
  /** The source is done (or was left): after the queue, `last` if any, then done. */
  let ended = false;
  let last: ExecutionResult | null = null;
  let returned = false;

  const hand = (result: ExecutionResult): boolean => {
    if (!waiting) return false;
    const resolve = waiting;
    waiting = null;
    resolve({ done: false, value: result });
    return true;
  };
  const finish = (final: ExecutionResult | null) => {
    if (ended) return;
    ended = true;
    if (final && !hand(final)) last = final;
    if (waiting && queue.length === 0 && !last) {
      const resolve = waiting;
      waiting = null;
      resolve({ done: true, value: undefined });
    }
  };

  void (async () => {
    try {
      for (;;) {
        const step = await source.next();
        if (ended) return;
        if (step.done) break;
        if (hand(step.value)) continue;
        queue.push(step.value);
        if (queue.length > limit) {
          queue.length = 0;
          finish({ errors: [subscriberTooSlowError(limit)] });
          void source.return?.();
          return;
        }
      }
      finish(null);
    } catch (error) {
      if (!returned) finish(failedSubscriptionResult(error));
    }
  })();

  const iterator: AsyncIterableIterator<ExecutionResult> = {
    next() {
      const queued = queue.shift();
      if (queued) return Promise.resolve({ done: false, value: queued });
      if (last) {
        const value = last;
        last = null;
        return Promise.resolve({ done: false, value });
      }
      if (ended) return Promise.resolve({ done: true, value: undefined });
      return new Promise((resolve) => {
        waiting = resolve;
      });
    },
    async return() {
      returned = true;
      queue.length = 0;
      last = null;
      finish(null);
      await source.return?.();
      return { done: true, value: undefined };
    },
    async throw(error?: unknown) {
      await iterator.return!();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}
