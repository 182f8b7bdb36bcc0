/** Our signatures, checked by a third party's Standard Webhooks implementation (the `standardwebhooks` package). */
import { Webhook } from 'standardwebhooks';
import { sign, webhookHeaders } from '../../../src/webhooks/standard-webhooks';
import { endpointSecret } from '../../../src/webhooks/webhook-secrets';

const KEY = 'a-signing-key-of-at-least-32-characters!';
const current = endpointSecret(KEY, 'ep_1', 2);
const previous = endpointSecret(KEY, 'ep_1', 1);
const other = endpointSecret(KEY, 'ep_2', 1);

describe('Standard Webhooks signing', () => {
  const nowSeconds = Math.floor(Date.now() / 1000);
  const content = { id: 'msg_abc', timestamp: nowSeconds, body: '{"type":"payment.completed","data":{"pidx":"p1"}}' };

  it('verifies with the reference library, and says who we are', () => {
    const headers = webhookHeaders(content, [current]);
    expect(headers).toMatchObject({ 'content-type': 'application/json', 'webhook-id': 'msg_abc', 'webhook-timestamp': String(nowSeconds) });
    expect(headers['user-agent']).toMatch(/khalti-graphql/);
    expect(new Webhook(current).verify(content.body, headers)).toEqual(JSON.parse(content.body));
  });

  it('matches the reference library byte for byte', () => {
    expect(sign(content, [current])).toBe(new Webhook(current).sign(content.id, new Date(nowSeconds * 1000), content.body));
  });

  it('fails verification for another secret, another body, another id or another timestamp', () => {
    const headers = webhookHeaders(content, [current]);
    expect(() => new Webhook(other).verify(content.body, headers)).toThrow();
    expect(() => new Webhook(current).verify(content.body.replace('p1', 'p2'), headers)).toThrow();
    expect(() => new Webhook(current).verify(content.body, { ...headers, 'webhook-id': 'msg_other' })).toThrow();
    expect(() => new Webhook(current).verify(content.body, { ...headers, 'webhook-timestamp': String(nowSeconds - 1) })).toThrow();
  });

  it('during a rotation carries two signatures, each verifiable with its own secret', () => {
    const headers = webhookHeaders(content, [current, previous]);
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(headers['webhook-signature']).toMatch(/^v1,\S+ v1,\S+$/);
    expect(new Webhook(current).verify(content.body, headers)).toBeTruthy();
    expect(new Webhook(previous).verify(content.body, headers)).toBeTruthy();
    expect(() => new Webhook(other).verify(content.body, headers)).toThrow();
  });

  it('refuses to sign with no secret or a secret that is not whsec_', () => {
    expect(() => sign(content, [])).toThrow();
    expect(() => sign(content, ['not-a-secret'])).toThrow(/whsec_/);
  });
});
