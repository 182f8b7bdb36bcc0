/** The sender's short error texts and its address check, against real sockets on loopback. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebhookSender } from '../../../src/webhooks/webhook-sender';
import { startReceiver, type Receiver } from '../../support/webhook-receiver';

describe('WebhookSender', () => {
  let receiver: Receiver;
  const senders: WebhookSender[] = [];
  const sender = (options: Partial<ConstructorParameters<typeof WebhookSender>[0]> = {}) => {
    const made = new WebhookSender({ timeoutMs: 1000, allowPrivate: true, ...options });
    senders.push(made);
    return made;
  };
  const post = (to: WebhookSender, url: string) => to.send(url, { 'content-type': 'application/json' }, '{}');

  beforeAll(async () => {
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await Promise.all(senders.map((made) => made.close()));
    await receiver.close();
  });

  it('a 2xx is accepted; another status is named; Retry-After is passed on', async () => {
    receiver.script({ status: 204 }, { status: 503, headers: { 'retry-after': '7' } });
    expect(await post(sender(), receiver.url())).toMatchObject({ kind: 'accepted', httpStatus: 204, error: null });
    expect(await post(sender(), receiver.url())).toMatchObject({ kind: 'http_status', httpStatus: 503, error: 'answered 503', retryAfter: '7' });
  });

  it('DNS failure, TLS failure against a plain HTTP port, and refusal each say so in a few words', async () => {
    expect(await post(sender(), 'http://does-not-exist.invalid/hook')).toMatchObject({ kind: 'dns', httpStatus: null, error: expect.stringMatching(/^DNS lookup failed \(E[A-Z_]+\)$/) });
    expect(await post(sender(), `https://127.0.0.1:${receiver.port}/hook`)).toMatchObject({ kind: 'tls', error: expect.stringMatching(/^TLS failed \(/) });
    const closed = await startReceiver();
    await closed.close();
    expect(await post(sender(), closed.url())).toMatchObject({ kind: 'refused', error: 'connection refused' });
  });

  it('refuses loopback in every spelling when private addresses are not allowed, before connecting', async () => {
    const strict = sender({ allowPrivate: false });
    const before = receiver.connections;
    for (const host of ['127.0.0.1', 'localhost', '[::ffff:127.0.0.1]']) {
      expect(await post(strict, `http://${host}:${receiver.port}/hook`)).toMatchObject({ kind: 'private_address', httpStatus: null });
    }
    expect(receiver.connections).toBe(before);
  });

  it('reads at most a small part of a large answer and still comes back', async () => {
    let server: Server | undefined;
    try {
      server = createServer((_request, response) => {
        response.writeHead(200, { 'content-type': 'application/octet-stream' });
        // Far more than the cap, sent slowly enough that reading all of it would outlast the timeout.
        const timer = setInterval(() => response.write(Buffer.alloc(64 * 1024)), 5);
        response.on('close', () => clearInterval(timer));
      });
      await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', () => resolve()));
      const result = await post(sender(), `http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
      expect(result).toMatchObject({ kind: 'accepted', httpStatus: 200 });
      expect(result.durationMs).toBeLessThan(900);
    } finally {
      server?.closeAllConnections();
      await new Promise((resolve) => server?.close(resolve));
    }
  });
});
