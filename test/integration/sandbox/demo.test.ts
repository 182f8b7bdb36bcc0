/**
 * The emulator's demo merchant: a person with only `npm run sandbox` and a browser can start a
 * payment from the index page, pay it, and see where Khalti's redirect lands.
 */
import { startHarness, type Harness } from './helpers';

describe('demo payment from the index page', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());

  it('offers a demo payment on the index page', async () => {
    const index = await h.get('/', { auth: null });
    expect(index.status).toBe(200);
    expect(index.text).toContain('action="/sandbox/demo"');
  });

  it('initiates in rupees, sends the browser to the payment page, and lands on the demo return page after paying', async () => {
    const started = await h.call('POST', '/demo', { auth: null, form: { amount: '12.50' } });
    expect(started.status).toBe(303);
    const location = started.headers.location as string;
    expect(location).toMatch(/^\/sandbox\/pay\?pidx=/);
    const pidx = new URL(location, h.origin).searchParams.get('pidx')!;
    const snapshot = h.emulator.controls.payment(pidx);
    expect(snapshot).toMatchObject({ amount: 1250 });

    const login = await h.call('POST', '/pay/login', { auth: null, form: { pidx, khalti_id: '9800000002', mpin: '1111' } });
    const session = /name="session" value="([^"]+)"/.exec(login.text)![1]!;
    const paid = await h.call('POST', '/pay/confirm', { auth: null, form: { pidx, session, otp: '987654' } });
    expect(paid.status).toBe(302);
    const back = new URL(paid.headers.location as string);
    expect(`${back.origin}${back.pathname}`).toBe(`${h.root}/demo/return`);

    const landing = await h.get(`/demo/return${back.search}`, { auth: null });
    expect(landing.status).toBe(200);
    expect(landing.text).toContain('What lookup says');
    expect(landing.text).toContain('&quot;status&quot;: &quot;Completed&quot;');
    expect(landing.text).toContain('&quot;total_amount&quot;: 1250');
  });

  it('shows Khalti\'s refusal for an amount below Rs. 10, creating nothing', async () => {
    const before = h.emulator.controls.payments().length;
    const refused = await h.call('POST', '/demo', { auth: null, form: { amount: '5' } });
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('Amount should be greater than Rs. 10, that is 1000 paisa.');
    expect(h.emulator.controls.payments()).toHaveLength(before);
  });
});

describe('rupeesToPaisa', () => {
  it('converts text without floating point', () => {
    const { rupeesToPaisa } = require('../../../src/sandbox/emulator.demo');
    expect(rupeesToPaisa('0.29')).toBe(29);
    expect(rupeesToPaisa('1,300.5')).toBe(130050);
    expect(rupeesToPaisa('100')).toBe(10000);
    expect(rupeesToPaisa('1.234')).toBeNull();
    expect(rupeesToPaisa('-5')).toBeNull();
    expect(rupeesToPaisa('abc')).toBeNull();
  });
});
