/** A graphql-ws client over a real WebSocket, collecting events for assertions. */
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

export interface Collected<T> {
  events: T[];
  errors: unknown[];
  /** Resolves once at least n events arrived (rejects after timeoutMs). */
  waitFor(n: number, timeoutMs?: number): Promise<T[]>;
  client: Client;
  dispose(): Promise<void>;
}

export function subscribe<T = any>(httpUrl: string, key: string | null, query: string, variables: Record<string, unknown>): Collected<T> {
  const client = createClient({
    url: httpUrl.replace(/^http/, 'ws') + '/graphql',
    webSocketImpl: WebSocket,
    connectionParams: key ? { authorization: `Bearer ${key}` } : {},
    retryAttempts: 0,
    lazy: false,
    onNonLazyError: () => undefined,
  });
  const events: T[] = [];
  const errors: unknown[] = [];
  const waiters: (() => void)[] = [];
  const notify = () => waiters.splice(0).forEach((wake) => wake());
  const unsubscribe = client.subscribe<T>(
    { query, variables },
    {
      next: (value) => {
        if (value.errors) errors.push(value.errors);
        else events.push(value.data as T);
        notify();
      },
      error: (error) => {
        errors.push(error);
        notify();
      },
      complete: () => notify(),
    },
  );
  return {
    events,
    errors,
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
            reject(new Error(`subscription failed: ${errors.map(describe).join('; ')}`));
          } else waiters.push(check);
        };
        check();
      });
    },
    async dispose() {
      unsubscribe();
      await client.dispose();
    },
  };
}

/** Resolves once the socket is acknowledged (connection_ack), so events published after it are seen. */
export function connected(client: Client, timeoutMs = 5000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no connection_ack')), timeoutMs);
    client.on('connected', () => {
      clearTimeout(timer);
      resolve();
    });
    client.on('closed', (event) => {
      clearTimeout(timer);
      reject(new Error(`socket closed: ${(event as { code?: number }).code}`));
    });
  });
}

/** graphql-ws reports GraphQL errors as arrays and socket problems as Errors or CloseEvents. */
function describe(error: unknown): string {
  if (Array.isArray(error)) return error.map(describe).join(', ');
  if (error && typeof error === 'object' && 'message' in error) return String((error as { message: unknown }).message);
  if (error && typeof error === 'object' && 'code' in error) return `socket closed ${(error as { code: unknown }).code}`;
  return String(error);
}
