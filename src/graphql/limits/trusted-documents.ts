/**
 * TRUSTED_DOCUMENTS (DESIGN section 2): a persisted-documents manifest, as GraphQL Code Generator's
 * client preset writes it (`persisted-documents.json`: `{ "sha256:<hex>": "<document text>" }`).
 * When it is set, a client key (public, shipped in the merchant's apps) may run only the documents
 * in it: it names one by hash, as Apollo's APQ format (`extensions.persistedQuery.sha256Hash`) or
 * as `documentId`, or sends exactly the text of one. Anything else from a client key is refused
 * before it is parsed. Server and admin keys (secret, the merchant's backend and operators) may
 * still send any document, and may name trusted ones by hash too.
 *
 * Apollo's own APQ stays off: the hash is resolved here, before Apollo (or graphql-ws) parses,
 * so an unknown hash is never "registered" by sending its text.
 */
import type { IncomingMessage } from 'node:http';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { RequestHandler } from 'express';
import { GraphQLError, parse } from 'graphql';
import type { Role } from '../api-keys';
import type { ErrorFormatter } from './operation-guard';

const HASH = /^(?:sha256:)?([0-9a-fA-F]{64})$/;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** A request as it arrives (the HTTP body, or a graphql-ws subscribe payload). */
export interface DocumentRequest {
  query?: unknown;
  documentId?: unknown;
  extensions?: unknown;
}

export class TrustedDocuments {
  private constructor(private readonly byHash: ReadonlyMap<string, string>) {}

  get size(): number {
    return this.byHash.size;
  }

  /**
   * Reads and checks the manifest: JSON, an object of sha256 hash -> document text, each text
   * hashing to its key and parsing as GraphQL. Anything wrong throws `fail(message)`.
   */
  static load(path: string, fail: (message: string) => Error): TrustedDocuments {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      throw fail(`cannot read "${path}" (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    let manifest: unknown;
    try {
      manifest = JSON.parse(text);
    } catch {
      throw fail(`"${path}" is not JSON; expected a persisted-documents.json from GraphQL Code Generator`);
    }
    if (!manifest || typeof manifest !== 'object' || Array.isArray(manifest)) {
      throw fail(`"${path}" must be a JSON object of sha256 hash -> document text`);
    }
    const byHash = new Map<string, string>();
    for (const [key, document] of Object.entries(manifest)) {
      const hash = HASH.exec(key)?.[1]?.toLowerCase();
      if (!hash) throw fail(`"${path}": "${key.slice(0, 80)}" is not a sha256 hash`);
      if (typeof document !== 'string') throw fail(`"${path}": the document for ${key} is not a string`);
      if (sha256(document) !== hash) throw fail(`"${path}": the document for ${key} does not have that hash`);
      try {
        parse(document);
      } catch {
        throw fail(`"${path}": the document for ${key} is not valid GraphQL`);
      }
      byHash.set(hash, document);
    }
    if (byHash.size === 0) throw fail(`"${path}" lists no documents`);
    return new TrustedDocuments(byHash);
  }

  /**
   * The document text to run for `request` from a caller of `role` (null: unauthenticated, left to
   * authentication), or the refusal. `query` undefined: none was sent (left to the usual refusal).
   */
  resolve(request: DocumentRequest, role: Role | null): { query: unknown } | { error: GraphQLError } {
    const named = request.documentId ?? persistedQueryHash(request.extensions);
    const query = request.query;
    if (named !== undefined) {
      const hash = typeof named === 'string' ? HASH.exec(named)?.[1]?.toLowerCase() : undefined;
      const document = hash ? this.byHash.get(hash) : undefined;
      if (!hash || !document) {
        return refuse(`The document ${typeof named === 'string' ? `"${named.slice(0, 80)}" ` : ''}is not one of this gateway's trusted documents (TRUSTED_DOCUMENTS); nothing was run.`);
      }
      if (typeof query === 'string' && query.trim() && sha256(query) !== hash) {
        return refuse('The query text does not match the document named by its hash; send one or the other. Nothing was run.');
      }
      return { query: document };
    }
    if (role === 'client' && typeof query === 'string' && !this.byHash.has(sha256(query))) {
      return refuse(
        'Client keys may run only the trusted documents this gateway was given (TRUSTED_DOCUMENTS): ' +
          'name one by hash (extensions.persistedQuery.sha256Hash or documentId). Nothing was run.',
      );
    }
    return { query };
  }

  /**
   * Express, after the body parser and before the limits precheck: replaces a named document by
   * its text in the body (so the precheck, authentication and Apollo see an ordinary request) and
   * refuses, with HTTP 400, what a client key may not run.
   */
  httpMiddleware(roleOf: (req: IncomingMessage) => Role | null, formatError: ErrorFormatter): RequestHandler {
    return (req, res, next) => {
      const role = roleOf(req);
      const send400 = (error: GraphQLError) =>
        res
          .status(400)
          .type('application/json')
          .send(JSON.stringify({ errors: [formatError(error.toJSON(), error)] }));
      if (req.method === 'GET') {
        // Apollo reads a GET request from its URL, which cannot be rewritten here: by hash, POST.
        const params = req.query as Record<string, unknown>;
        const extensions = typeof params['extensions'] === 'string' ? safeJson(params['extensions']) : undefined;
        if (params['documentId'] !== undefined || persistedQueryHash(extensions) !== undefined) {
          send400(refuse('Name a trusted document by hash in a POST request; nothing was run.').error);
          return;
        }
        const resolved = this.resolve({ query: params['query'] }, role);
        if ('error' in resolved) send400(resolved.error);
        else next();
        return;
      }
      const body = req.body as unknown;
      if (!body || typeof body !== 'object' || Array.isArray(body)) {
        next();
        return;
      }
      const resolved = this.resolve(body as DocumentRequest, role);
      if ('error' in resolved) {
        send400(resolved.error);
        return;
      }
      const request = body as Record<string, unknown>;
      request['query'] = resolved.query;
      delete request['documentId'];
      const extensions = request['extensions'];
      if (extensions && typeof extensions === 'object' && 'persistedQuery' in extensions) {
        // Apollo's APQ is off and would refuse the request for naming it: the hash is dealt with.
        const { persistedQuery: _resolved, ...rest } = extensions as Record<string, unknown>;
        request['extensions'] = rest;
      }
      next();
    };
  }
}

function persistedQueryHash(extensions: unknown): unknown {
  if (!extensions || typeof extensions !== 'object') return undefined;
  const persisted = (extensions as { persistedQuery?: unknown }).persistedQuery;
  if (persisted === undefined) return undefined;
  if (!persisted || typeof persisted !== 'object') return null;
  return (persisted as { sha256Hash?: unknown }).sha256Hash ?? null;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function refuse(message: string): { error: GraphQLError } {
  return { error: new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT' } }) };
}
