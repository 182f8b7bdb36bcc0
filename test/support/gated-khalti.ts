/**
 * A loopback proxy in front of a Khalti emulator that can hold a request until the test lets it
 * through: a request that is in flight for exactly as long as the test needs, with no timing.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';

export interface HeldRequest {
  /** Resolves once a request whose path starts with the prefix has arrived (and is being held). */
  arrived: Promise<void>;
  /** Forwards it to the emulator and sends back its answer. */
  release(): void;
}

export interface GatedKhalti {
  url: string;
  /** Holds the next request whose path starts with `pathPrefix`; every other request passes straight through. */
  hold(pathPrefix: string): HeldRequest;
  close(): Promise<void>;
}

export async function startGatedKhalti(target: string): Promise<GatedKhalti> {
  const holds: { prefix: string; arrive: () => void; released: Promise<void> }[] = [];
  const server: Server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      const index = holds.findIndex((hold) => (req.url ?? '').startsWith(hold.prefix));
      if (index >= 0) {
        const [hold] = holds.splice(index, 1);
        hold!.arrive();
        await hold!.released;
      }
      const headers = { ...req.headers };
      delete headers.host;
      delete headers.connection;
      delete headers['content-length'];
      const answer = await request(`${target}${req.url}`, { method: req.method as 'GET', headers, body: body.length ? body : undefined });
      const text = await answer.body.text();
      res.writeHead(answer.statusCode, { 'content-type': String(answer.headers['content-type'] ?? 'application/json') });
      res.end(text);
    })().catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hold(prefix) {
      let arrive!: () => void;
      let release!: () => void;
      const arrived = new Promise<void>((resolve) => (arrive = resolve));
      const released = new Promise<void>((resolve) => (release = resolve));
      holds.push({ prefix, arrive, released });
      return { arrived, release };
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
