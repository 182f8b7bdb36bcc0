/**
 * Knowing when a request is sent, from undici itself: an interceptor (`dispatcher.compose`) that
 * calls back the moment undici writes a request to its socket. Verified against undici's
 * behaviour in test/integration/khalti/client.load.test.ts.
 */
import type { Dispatcher } from 'undici';

/**
 * The request options a call hands to undici -> the callback that marks its request sent.
 * Keyed by the options object itself, which undici passes unchanged through composed dispatchers.
 */
const onSentHooks = new WeakMap<object, () => void>();

/**
 * An undici interceptor that tells a call the moment its request is sent. undici calls a
 * handler's onRequestStart (onConnect in the legacy API) synchronously right before it writes the
 * request to a connected socket, and only then; a request still queued for a connection, or whose
 * connect failed, never gets it. A request whose signal fired while it waited is aborted inside
 * that same call, before anything is written: that one is not marked sent.
 */
export const sentTracker: Dispatcher.DispatcherComposeInterceptor = (dispatch) => (opts, handler) => {
  const onSent = onSentHooks.get(opts);
  return dispatch(opts, onSent ? new SentTrackingHandler(handler, onSent) : handler);
};

class SentTrackingHandler implements Dispatcher.DispatchHandler {
  constructor(
    private readonly inner: Dispatcher.DispatchHandler,
    private readonly onSent: () => void,
  ) {}

  onRequestStart(controller: Dispatcher.DispatchController, context: unknown): void {
    this.inner.onRequestStart?.(controller, context);
    if (!controller.aborted) this.onSent();
  }

  onRequestUpgrade(controller: Dispatcher.DispatchController, statusCode: number, headers: Parameters<NonNullable<Dispatcher.DispatchHandler['onRequestUpgrade']>>[2], socket: Parameters<NonNullable<Dispatcher.DispatchHandler['onRequestUpgrade']>>[3]): void {
    this.inner.onRequestUpgrade?.(controller, statusCode, headers, socket);
  }

  onResponseStart(controller: Dispatcher.DispatchController, statusCode: number, headers: Parameters<NonNullable<Dispatcher.DispatchHandler['onResponseStart']>>[2], statusMessage?: string): void {
    this.inner.onResponseStart?.(controller, statusCode, headers, statusMessage);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.inner.onResponseData?.(controller, chunk);
  }

  onResponseEnd(controller: Dispatcher.DispatchController, trailers: Parameters<NonNullable<Dispatcher.DispatchHandler['onResponseEnd']>>[1]): void {
    this.inner.onResponseEnd?.(controller, trailers);
  }

  onResponseError(controller: Dispatcher.DispatchController, error: Error): void {
    this.inner.onResponseError?.(controller, error);
  }
}

/** Calls `onSent` (once) when the request made with these options is written to a socket. */
export function whenSent(options: object, onSent: () => void): void {
  let called = false;
  onSentHooks.set(options, () => {
    if (called) return;
    called = true;
    onSent();
  });
}
