/**
 * A buyer's browser, reduced to HTTP: opens the emulator's payment page, posts its forms the way
 * a browser would, and follows redirects by hand so tests can read every hop.
 */
import { request } from 'undici';

export const TEST_KHALTI_ID = '9800000001';

async function postForm(url: string, fields: Record<string, string>) {
  const response = await request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  });
  const body = await response.body.text();
  return { status: response.statusCode, location: response.headers.location as string | undefined, body };
}

/** The value of a hidden input in a page. */
function hidden(html: string, name: string): string {
  const match = new RegExp(`name="${name}" value="([^"]*)"`).exec(html);
  if (!match) throw new Error(`no hidden field ${name} in page`);
  return match[1]!;
}

/**
 * The payment URL handed to the buyer points at the public origin; tests reach the same server
 * on loopback, so rewrite the origin.
 */
export function onLoopback(url: string, loopbackOrigin: string): string {
  const parsed = new URL(url);
  const loopback = new URL(loopbackOrigin);
  parsed.protocol = loopback.protocol;
  parsed.host = loopback.host;
  return parsed.toString();
}

export async function openPaymentPage(paymentUrl: string): Promise<{ status: number; body: string }> {
  const response = await request(paymentUrl);
  return { status: response.statusCode, body: await response.body.text() };
}

/** Logs in, enters the OTP, and returns where Khalti's page redirects the browser (the return_url). */
export async function pay(paymentUrl: string, khaltiId = TEST_KHALTI_ID): Promise<string> {
  const page = new URL(paymentUrl);
  const pidx = page.searchParams.get('pidx')!;
  const base = page.pathname.replace(/\/pay\/?$/, '');
  const origin = `${page.protocol}//${page.host}${base}`;
  const login = await postForm(`${origin}/pay/login`, { pidx, khalti_id: khaltiId, mpin: '1111' });
  if (login.status !== 200) throw new Error(`login failed: ${login.status}`);
  const confirm = await postForm(`${origin}/pay/confirm`, { pidx, session: hidden(login.body, 'session'), otp: '987654' });
  if (confirm.status !== 302 || !confirm.location) throw new Error(`confirm did not redirect: ${confirm.status}`);
  return confirm.location;
}

export async function cancel(paymentUrl: string): Promise<string> {
  const page = new URL(paymentUrl);
  const pidx = page.searchParams.get('pidx')!;
  const origin = `${page.protocol}//${page.host}${page.pathname.replace(/\/pay\/?$/, '')}`;
  const response = await postForm(`${origin}/pay/cancel`, { pidx });
  if (response.status !== 302 || !response.location) throw new Error(`cancel did not redirect: ${response.status}`);
  return response.location;
}

/** Follows one redirect hop without following further; returns status and Location. */
export async function get(url: string): Promise<{ status: number; location?: string; body: string }> {
  const response = await request(url);
  return { status: response.statusCode, location: response.headers.location as string | undefined, body: await response.body.text() };
}
