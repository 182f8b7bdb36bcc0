/**
 * Callers authenticate with `Authorization: Bearer <key>` (HTTP) or
 * `connectionParams.authorization` (WebSocket). Keys are held only as SHA-256 digests and a caller is
 * known by a key id derived from the digest, which is what the audit log records.
 */
import { createHash } from 'node:crypto';

/**
 * client: web and mobile apps (the key is public); server: the merchant's backend (initiates
 * without a checkout token); admin: operators. Each may do everything the one before it may.
 */
export type Role = 'admin' | 'server' | 'client';

export interface Caller {
  role: Role;
  /** Safe to log: a digest prefix, never the key. */
  keyId: string;
}

export type Authentication = { caller: Caller } | { caller: null; problem: 'missing' | 'invalid' };

const digest = (key: string) => createHash('sha256').update(key).digest('hex');

export class ApiKeys {
  private readonly byDigest = new Map<string, Caller>();
  /** Each HTTP request's answer, kept with the request (never the header): see ofRequest. */
  private readonly byRequest = new WeakMap<object, Authentication>();

  constructor(keys: { admin: string[]; client: string[]; server?: string[] }) {
    for (const key of keys.admin) this.byDigest.set(digest(key), { role: 'admin', keyId: keyIdOf(key) });
    for (const key of keys.server ?? []) this.byDigest.set(digest(key), { role: 'server', keyId: keyIdOf(key) });
    for (const key of keys.client) this.byDigest.set(digest(key), { role: 'client', keyId: keyIdOf(key) });
  }

  /** Reads an `Authorization` header value (or connectionParams entry). */
  authenticate(header: unknown): Authentication {
    if (typeof header !== 'string' || !header.trim()) return { caller: null, problem: 'missing' };
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header.trim());
    if (!match) return { caller: null, problem: 'invalid' };
    const caller = this.byDigest.get(digest(match[1]!));
    return caller ? { caller } : { caller: null, problem: 'invalid' };
  }

  /**
   * A request's `Authorization` header, authenticated once however many steps ask (the access
   * log, the rate-limit headers, the 401 check, the GraphQL context): each would hash the key again.
   */
  ofRequest(req: { headers: { authorization?: string } }): Authentication {
    let auth = this.byRequest.get(req);
    if (!auth) {
      auth = this.authenticate(req.headers.authorization);
      this.byRequest.set(req, auth);
    }
    return auth;
  }
}

export function keyIdOf(key: string): string {
  return `key_${digest(key).slice(0, 12)}`;
}
