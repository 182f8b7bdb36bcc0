/**
 * HTML of the emulator's payment page. Plain HTML and inline CSS, no scripts, no external
 * assets: it must work offline and under a strict CSP. Every value that came from a request
 * (order names, ids, URLs, typed input) goes through `esc`; the only unescaped strings are the
 * literals in this file.
 */
import { TEST_KHALTI_IDS, TEST_MPIN, TEST_OTP } from './emulator.defaults';
import { formatRupees } from './emulator.format';
import type { PaymentRecord } from './emulator.types';

export function esc(value: unknown): string {
  return String(value)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** Form targets, path-absolute under the emulator root as browsers see it. */
export interface PageActions {
  login: string;
  confirm: string;
  cancel: string;
}

const CSS = `
*{box-sizing:border-box}
code,td,pre{overflow-wrap:anywhere;white-space:pre-wrap}
body{margin:0;background:#f3f0f7;font-family:-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:#222;}
.banner{background:#fff4d6;color:#6b4e00;text-align:center;font-size:13px;padding:6px 12px;border-bottom:1px solid #f0dca0}
.wrap{max-width:420px;margin:32px auto;padding:0 16px}
.card{background:#fff;border-radius:12px;box-shadow:0 4px 18px rgba(60,20,100,.12);overflow:hidden}
.head{background:#5c2d91;color:#fff;padding:18px 22px}
.head .brand{font-weight:700;font-size:20px;letter-spacing:.3px}
.head .brand small{font-weight:400;opacity:.8;font-size:13px;margin-left:6px}
.order{padding:16px 22px;border-bottom:1px solid #eee}
.order .name{font-size:15px;color:#444;word-wrap:break-word}
.order .amount{font-size:28px;font-weight:700;color:#5c2d91;margin-top:4px}
.order .meta{font-size:12px;color:#888;margin-top:6px;word-wrap:break-word}
.body{padding:18px 22px}
label{display:block;font-size:13px;font-weight:600;margin:12px 0 4px}
input{width:100%;padding:10px 12px;font-size:16px;border:1px solid #ccc;border-radius:8px}
input:focus{outline:none;border-color:#5c2d91;box-shadow:0 0 0 3px rgba(92,45,145,.15)}
button{width:100%;padding:11px;font-size:16px;border-radius:8px;border:0;cursor:pointer;margin-top:16px}
.primary{background:#5c2d91;color:#fff}
.primary:hover{background:#4a2275}
.secondary{background:#fff;color:#5c2d91;border:1px solid #cbb8e0;margin-top:10px}
.error{background:#fdecea;color:#8a1c12;border:1px solid #f5c2bc;padding:10px 12px;border-radius:8px;font-size:14px}
.notice{background:#eef6ee;color:#1d5a24;border:1px solid #c6e3c8;padding:10px 12px;border-radius:8px;font-size:14px}
.hint{margin-top:18px;background:#f7f5fb;border:1px dashed #cbb8e0;border-radius:8px;padding:10px 12px;font-size:12px;color:#555}
.hint code{background:#ece6f5;padding:1px 4px;border-radius:4px}
h1{font-size:20px;margin:0 0 8px}
p{line-height:1.5}
a{color:#5c2d91}
`;

export function layout(title: string, content: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<link rel="icon" href="data:,">
<title>${esc(title)} · Khalti emulator</title>
<style>${CSS}</style>
</head>
<body>
<div class="banner">Khalti <strong>emulator</strong>: a development sandbox. No real money moves here.</div>
<div class="wrap"><div class="card">
<div class="head"><span class="brand">khalti<small>emulator</small></span></div>
${content}
</div></div>
</body>
</html>
`;
}

function orderSummary(record: PaymentRecord): string {
  let merchant = record.websiteUrl;
  try {
    merchant = new URL(record.websiteUrl).host;
  } catch {
    // validated at initiate; keep the raw value if it ever fails to parse
  }
  return `<div class="order">
<div class="name">${esc(record.purchaseOrderName)}</div>
<div class="amount">${esc(formatRupees(record.amount))}</div>
<div class="meta">Order ${esc(record.purchaseOrderId)} · ${esc(merchant)}</div>
</div>`;
}

export function hint(): string {
  const first = TEST_KHALTI_IDS[0]!;
  const last = TEST_KHALTI_IDS[TEST_KHALTI_IDS.length - 1]!;
  return `<div class="hint">Test credentials: Khalti ID <code>${first}</code> to <code>${last}</code>,
MPIN <code>${TEST_MPIN}</code>, OTP <code>${TEST_OTP}</code>.</div>`;
}

function message(kind: 'error' | 'notice', text: string | undefined): string {
  return text ? `<div class="${kind}" role="${kind === 'error' ? 'alert' : 'status'}">${esc(text)}</div>` : '';
}

function cancelForm(record: PaymentRecord, actions: PageActions): string {
  return `<form method="post" action="${esc(actions.cancel)}">
<input type="hidden" name="pidx" value="${esc(record.pidx)}">
<button type="submit" class="secondary">Cancel payment</button>
</form>`;
}

export function loginPage(
  record: PaymentRecord,
  actions: PageActions,
  opts: { error?: string; khaltiId?: string } = {},
): string {
  return layout(
    'Pay with Khalti',
    `${orderSummary(record)}
<div class="body">
${message('error', opts.error)}
<form method="post" action="${esc(actions.login)}">
<input type="hidden" name="pidx" value="${esc(record.pidx)}">
<label for="khalti_id">Khalti ID (mobile number)</label>
<input id="khalti_id" name="khalti_id" inputmode="numeric" autocomplete="username" maxlength="10" required value="${esc(opts.khaltiId ?? '')}">
<label for="mpin">Khalti MPIN</label>
<input id="mpin" name="mpin" type="password" inputmode="numeric" autocomplete="current-password" maxlength="6" required>
<button type="submit" class="primary">Log in to pay</button>
</form>
${cancelForm(record, actions)}
${hint()}
</div>`,
  );
}

export function otpPage(
  record: PaymentRecord,
  actions: PageActions,
  opts: { session: string; maskedMobile: string; error?: string },
): string {
  return layout(
    'Confirm payment',
    `${orderSummary(record)}
<div class="body">
${opts.error ? message('error', opts.error) : message('notice', `We sent a one-time code to ${opts.maskedMobile}.`)}
<form method="post" action="${esc(actions.confirm)}">
<input type="hidden" name="pidx" value="${esc(record.pidx)}">
<input type="hidden" name="session" value="${esc(opts.session)}">
<label for="otp">OTP</label>
<input id="otp" name="otp" inputmode="numeric" autocomplete="one-time-code" maxlength="6" required autofocus>
<button type="submit" class="primary">Pay ${esc(formatRupees(record.amount))}</button>
</form>
${cancelForm(record, actions)}
${hint()}
</div>`,
  );
}

/** A payment that cannot be paid (expired, canceled, already paid, locked), or an unknown one. */
export function messagePage(title: string, text: string, record?: PaymentRecord): string {
  const back = record
    ? `<p><a href="${esc(record.websiteUrl)}">Return to the merchant's website</a></p>`
    : '';
  return layout(
    title,
    `${record ? orderSummary(record) : ''}
<div class="body">
<h1>${esc(title)}</h1>
<p>${esc(text)}</p>
${back}
</div>`,
  );
}

/** The emulator root: what it is and where things are. */
export function indexPage(publicUrl: string): string {
  return layout(
    'Khalti emulator',
    `<div class="body">
<h1>Khalti emulator</h1>
<p>This server answers Khalti's ePayment API at Khalti's paths under <code>${esc(publicUrl)}</code>,
for example <code>POST ${esc(publicUrl)}/api/v2/epayment/initiate/</code>, and serves the payment page
that initiate's <code>payment_url</code> points to.</p>
<p>Bank lists: <a href="${esc(publicUrl)}/api/v5/bank/?payment_type=ebanking">ebanking</a>,
<a href="${esc(publicUrl)}/api/v5/bank/?payment_type=mobilecheckout">mobile checkout</a>.
Test controls: <a href="${esc(publicUrl)}/__control/payments">payments</a>,
<a href="${esc(publicUrl)}/__control/requests">request log</a>.</p>
<h2>Try the payment page</h2>
<form method="post" action="${esc(new URL(publicUrl).pathname.replace(/\/+$/, ''))}/demo">
<label for="amount">Amount (Rs.)</label>
<input id="amount" name="amount" inputmode="decimal" value="100" required>
<button type="submit">Start a demo payment</button>
</form>
${hint()}
</div>`,
  );
}
