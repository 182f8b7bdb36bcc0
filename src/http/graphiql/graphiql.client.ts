/**
 * What runs in the browser besides the vendor bundles: the bootstrap script and the page's own
 * stylesheet. They are served as files (never inline) so the page's CSP can say script-src 'self'.
 * They live in TypeScript as strings so `tsc` carries them into dist/ with the rest of the code.
 */

/** Prefilled in GraphiQL's headers editor; the same value is sent over WebSocket. */
export const DEFAULT_HEADERS = `{
  "Authorization": "Bearer <paste your API key>"
}`;

export const DEFAULT_QUERY = `# khalti-graphql. Queries and mutations: HTTP POST.
# Subscriptions: WebSocket (graphql-ws), same key.
#
# 1. In Headers below, replace <paste your API key>.
# 2. Run InitiatePayment (the run button lists both
#    operations) and open the paymentUrl it returns.
# 3. Put the pidx into PaymentStatusChanged and run it.
# Amounts are in paisa: 10000 = Rs. 100.

mutation InitiatePayment {
  initiatePayment(
    input: {
      returnUrl: "https://merchant.example/checkout/done"
      websiteUrl: "https://merchant.example"
      amount: 10000
      purchaseOrderId: "order-0001"
      purchaseOrderName: "Test order"
    }
  ) {
    paymentUrl
    payment {
      pidx
      status
      amount
      expiresAt
    }
    userErrors {
      field
      message
      code
    }
  }
}

subscription PaymentStatusChanged {
  paymentStatusChanged(pidx: "<pidx from InitiatePayment>") {
    pidx
    previousStatus
    status
    source
    occurredAt
    payment {
      paid
      totalAmount
      transactionId
    }
  }
}
`;

/**
 * The bootstrap, an ES module. It expects the UMD globals React, ReactDOM and GraphiQL, imports
 * graphql-ws's browser client (`wsClientModule`, a URL relative to the bootstrap's own), and reads
 * the endpoint from #graphiql[data-endpoint].
 *
 * Authentication: the fetcher reads Authorization from the headers editor as it is when an
 * operation runs. Queries and mutations go over HTTP POST with the editor's headers as they are.
 * A subscription gets its own graphql-ws client whose connectionParams are exactly
 * { authorization: <that value> }, which is what the gateway reads; it connects when the
 * subscription starts and is disposed when it ends, so a key changed in the editor applies to the
 * next run. GraphiQL's built-in `subscriptionUrl` path is not used: it would copy every editor
 * header into connectionParams under its editor spelling ("Authorization"), its client retries a
 * refused connection for about 40 s before saying anything, and its error path leaves an
 * unhandled promise rejection behind.
 */
export function bootJs(wsClientModule: string): string {
  return `/* GraphiQL bootstrap for khalti-graphql. */
import { createClient } from ${JSON.stringify(wsClientModule)};

/** How the gateway refuses a missing or unknown key on the WebSocket (graphql-ws onConnect false). */
const FORBIDDEN = 4403;

const isCloseEvent = (value) => typeof value === 'object' && value !== null && 'code' in value && 'reason' in value;

/** A header's value from the headers editor's object, whatever the key's case. */
function headerValue(headers, name) {
  if (!headers || typeof headers !== 'object') return undefined;
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
  const value = key === undefined ? undefined : headers[key];
  return typeof value === 'string' ? value : undefined;
}

/** What GraphiQL shows in the result pane when a subscription fails. */
function subscriptionError(error) {
  if (isCloseEvent(error)) {
    if (error.code === FORBIDDEN) {
      return new Error('The gateway refused the WebSocket connection (4403 Forbidden): put a valid API key in the Authorization header (Headers tab).');
    }
    return new Error(('WebSocket closed: ' + error.code + ' ' + (error.reason || '')).trim());
  }
  if (Array.isArray(error) || error instanceof Error) return error; // GraphQL errors, or already an Error
  return new Error('WebSocket connection failed; is the gateway reachable?');
}

/**
 * Runs one subscription on its own lazy graphql-ws client, as the async iterator GraphiQL expects.
 * return() (GraphiQL's stop button) ends it at once, even while waiting for the next event.
 */
function subscribe(wsUrl, graphQLParams, authorization) {
  const client = createClient({
    url: wsUrl,
    connectionParams: authorization ? { authorization } : {},
    lazy: true,
    // A refused key stays refused: report it at once. Dropped connections are retried as usual.
    shouldRetry: (event) => isCloseEvent(event) && event.code !== FORBIDDEN,
  });
  const events = client.iterate(graphQLParams);
  const done = { done: true, value: undefined };
  const close = () => {
    Promise.resolve(client.dispose()).catch(() => {});
  };
  return {
    [Symbol.asyncIterator]() {
      return this;
    },
    async next() {
      try {
        const step = await events.next();
        if (step.done) close();
        return step;
      } catch (error) {
        close();
        throw subscriptionError(error);
      }
    },
    async return() {
      await events.return();
      close();
      return done;
    },
    async throw(error) {
      await events.return();
      close();
      throw error;
    },
  };
}

function boot() {
  const root = document.getElementById('graphiql');
  if (!root) return;
  const { React, ReactDOM, GraphiQL } = window;
  if (typeof React !== 'object' || typeof ReactDOM !== 'object' || typeof GraphiQL !== 'function') {
    const p = document.createElement('p');
    p.className = 'graphiql-boot-message graphiql-boot-error';
    p.textContent = 'GraphiQL could not load its scripts. Reload the page; if this persists, check the gateway logs.';
    root.replaceChildren(p);
    return;
  }

  // GraphiQL's dialogs insert a <style> element (scroll lock) carrying window.__webpack_nonce__;
  // the page's CSP allows exactly the nonce given in this meta element.
  const nonceMeta = document.querySelector('meta[name="graphiql-style-nonce"]');
  const styleNonce = nonceMeta ? nonceMeta.nonce || nonceMeta.getAttribute('nonce') : '';
  if (styleNonce) window.__webpack_nonce__ = styleNonce;

  const httpUrl = new URL(root.getAttribute('data-endpoint') || '/graphql', window.location.href);
  httpUrl.hash = '';
  const wsUrl = new URL(httpUrl.href);
  wsUrl.protocol = httpUrl.protocol === 'https:' ? 'wss:' : 'ws:';

  const httpFetcher = GraphiQL.createFetcher({ url: httpUrl.href });
  const isSubscription = (documentAST, operationName) => {
    if (!documentAST) return false;
    const operation = GraphiQL.GraphQL.getOperationAST(documentAST, operationName || undefined);
    return operation !== null && operation !== undefined && operation.operation === 'subscription';
  };

  const fetcher = (graphQLParams, fetcherOpts) => {
    if (fetcherOpts && isSubscription(fetcherOpts.documentAST, graphQLParams.operationName)) {
      return subscribe(wsUrl.href, graphQLParams, headerValue(fetcherOpts.headers, 'authorization'));
    }
    // HTTP POST; the editor's headers (fetcherOpts.headers) are added to the request as they are.
    return httpFetcher(graphQLParams, fetcherOpts);
  };

  ReactDOM.createRoot(root).render(
    React.createElement(GraphiQL, {
      fetcher,
      defaultQuery: ${JSON.stringify(DEFAULT_QUERY)},
      defaultHeaders: ${JSON.stringify(DEFAULT_HEADERS)},
      // API keys stay out of localStorage.
      shouldPersistHeaders: false,
      isHeadersEditorEnabled: true,
      defaultEditorToolsVisibility: 'headers',
    }),
  );
}

boot();
`;
}

export const PAGE_CSS = `html, body { height: 100%; margin: 0; }
body { overflow: hidden; }
#graphiql { height: 100vh; }
.graphiql-boot-message { font-family: system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; margin: 2rem; color: #555; }
.graphiql-boot-error { color: #b00020; }
`;
