/** A graphql-sse client (distinct connections mode) over real HTTP, collecting events for assertions. */
import { createClient, type Client } from 'graphql-sse';

export interface Streamed<T> {
  events: T[];
  errors: unknown[];
  completed: boolean;
  /** Resolves once at least n events arrived (rejects after timeoutMs, or on an error). */
  waitFor(n: number, timeoutMs?: number): Promise<T[]>;
  /** Resolves once the stream completed or failed. */
  ended(timeoutMs?: number): Promise<void>;
  client: Client;
  dispose(): void;
}

export function stream<T = any>(httpUrl: string, key: string | null, query: string, variables: Record<string, unknown>): Streamed<T> {
  const client = createClient({
    url: `${httpUrl}/graphql/stream`,
    headers: key ? { authorization: `Bearer ${key}` } : {},
    retryAttempts: 0,
  });
  const events: T[] = [];
  const errors: unknown[] = [];
  const waiters: (() => void)[] = [];
  const notify = () => waiters.splice(0).forEach((wake) => wake());
  const result: Streamed<T> = {
    events,
    errors,
    completed: false,
    client,
    waitFor(n, timeoutMs = 5000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`waited ${timeoutMs} ms for ${n} event(s); got ${events.length}, errors ${JSON.stringify(errors)}`)), timeoutMs);
        const check = () => {
          if (events.length >= n) {
            clearTimeout(timer);
            resolve(events.slice());
          } else if (errors.length > 0) {
            clearTimeout(timer);
            reject(new Error(`stream failed: ${JSON.stringify(errors)}`));
          } else waiters.push(check);
        };
        check();
      });
    },
    ended(timeoutMs = 5000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`the stream did not end within ${timeoutMs} ms`)), timeoutMs);
        const check = () => {
          if (result.completed || errors.length > 0) {
            clearTimeout(timer);
            resolve();
          } else waiters.push(check);
        };
        check();
      });
    },
    dispose() {
      unsubscribe();
      client.dispose();
    },
  };
  const unsubscribe = client.subscribe<T>(
    { query, variables },
    {
      next: (value) => {
        if (value.errors) errors.push(value.errors);
        else events.push(value.data as T);
        notify();
      },
      error: (error) => {
        errors.push(error instanceof Error ? error.message : error);
        notify();
      },
      complete: () => {
        result.completed = true;
        notify();
      },
    },
  );
  return result;
}
