/**
 * A demo merchant inside the emulator, so a person running `npm run sandbox` can try the payment
 * page from a browser without writing an API call: POST /demo initiates a payment (as a merchant
 * would, through the same initiate rules) and sends the browser to its payment_url; /demo/return
 * is that payment's return_url and shows what Khalti's redirect carried beside what lookup says.
 */
import express from 'express';
import { initiate, lookupResult, type HandlerContext } from './emulator.handlers';
import { esc, layout } from './emulator.page.views';

const PAGE_HEADERS = {
  'Cache-Control': 'no-store',
  'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

export function createDemoRouter(ctx: HandlerContext): express.Router {
  const router = express.Router();
  const base = new URL(ctx.publicUrl).pathname.replace(/\/+$/, '');
  let orders = 0;

  router.post('/demo', express.urlencoded({ extended: false, limit: '1kb' }), (req, res) => {
    const paisa = rupeesToPaisa(String(req.body?.amount ?? '100'));
    orders += 1;
    const result = initiate(ctx, {
      return_url: `${ctx.publicUrl}/demo/return`,
      website_url: `${ctx.publicUrl}/`,
      amount: paisa ?? 'invalid',
      purchase_order_id: `demo-${Date.now()}-${orders}`,
      purchase_order_name: `Demo order ${orders}`,
    });
    if (result.status !== 200) {
      const errors = Object.entries(result.body as Record<string, unknown>)
        .filter(([field]) => field !== 'error_key')
        .map(([field, messages]) => `<li><code>${esc(field)}</code>: ${esc((messages as string[]).join(' '))}</li>`)
        .join('');
      res.status(400).set(PAGE_HEADERS).type('html').send(layout('Demo payment refused', `<div class="body"><h1>Khalti refused the demo payment</h1><ul>${errors}</ul><p><a href="${esc(base)}/">Back</a></p></div>`));
      return;
    }
    const paymentUrl = new URL((result.body as { payment_url: string }).payment_url);
    // Same-origin path: the browser follows it on whichever host it used to reach us.
    res.redirect(303, `${paymentUrl.pathname}${paymentUrl.search}`);
  });

  router.get('/demo/return', (req, res) => {
    const received = Object.entries(req.query).map(([key, value]) => [key, String(value)] as const);
    const pidx = typeof req.query.pidx === 'string' ? req.query.pidx : '';
    const record = pidx ? ctx.store.get(pidx) : undefined;
    const lookup = record ? JSON.stringify(lookupResult(ctx, record).body, null, 2) : 'unknown pidx';
    const rows = received.map(([key, value]) => `<tr><td><code>${esc(key)}</code></td><td>${esc(value)}</td></tr>`).join('');
    res
      .status(200)
      .set(PAGE_HEADERS)
      .type('html')
      .send(
        layout(
          'Back at the merchant',
          `<div class="body"><h1>Back at the merchant</h1>
<p>Khalti redirected the browser here with these parameters. A merchant must not trust them:
they came through the buyer's browser. It looks the payment up instead.</p>
<table>${rows}</table>
<h2>What lookup says</h2><pre>${esc(lookup)}</pre>
<p><a href="${esc(base)}/">Start another</a></p></div>`,
        ),
      );
  });

  return router;
}

/** "1,300.5" -> 130050. Parsed as text, never through a float: money stays integer paisa. */
export function rupeesToPaisa(text: string): number | null {
  const match = /^(\d{1,9})(?:\.(\d{1,2}))?$/.exec(text.replace(/,/g, '').trim());
  if (!match) return null;
  return Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0'));
}
