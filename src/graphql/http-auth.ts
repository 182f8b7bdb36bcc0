/**
 * HTTP authentication before Apollo (DESIGN section 3: a missing or unknown key is HTTP 401).
 * The body is the same UNAUTHENTICATED error the resolvers would give, and nothing runs.
 *
 * One exception: where introspection is enabled, a document that only introspects (`__schema`,
 * `__type`, `__typename`) is answered whatever the Authorization header says. Introspection is
 * public there anyway, and GraphiQL loads the schema before the user has pasted a key (with its
 * placeholder "Bearer <paste your API key>" header).
 */
import type { RequestHandler } from 'express';
import { getOperationAST } from 'graphql';
import type { ApiKeys } from './api-keys';
import type { OperationGuard } from './limits/operation-guard';
import { rootFieldsOf } from './limits/query-limits';

const INTROSPECTION_FIELDS = new Set(['__schema', '__type']);

export function httpAuthentication(apiKeys: ApiKeys, guard: OperationGuard, introspection: boolean): RequestHandler {
  return (req, res, next) => {
    const auth = apiKeys.ofRequest(req);
    if (auth.caller) {
      next();
      return;
    }
    if (introspection && introspectionOnly(guard, req.method === 'GET' ? req.query : req.body)) {
      next();
      return;
    }
    const message = auth.problem === 'missing' ? 'Send an API key: Authorization: Bearer <key>.' : 'The API key is not valid.';
    res
      .status(401)
      .set('www-authenticate', 'Bearer')
      .type('application/json')
      .send(JSON.stringify({ errors: [{ message, extensions: { code: 'UNAUTHENTICATED' } }] }));
  };
}

function introspectionOnly(guard: OperationGuard, body: unknown): boolean {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return false;
  const { query, operationName } = body as { query?: unknown; operationName?: unknown };
  if (typeof query !== 'string') return false;
  const { document } = guard.parse(query);
  if (!document) return false;
  const operation = getOperationAST(document, typeof operationName === 'string' ? operationName : undefined);
  if (!operation || operation.operation !== 'query') return false;
  return [...rootFieldsOf(operation, document).values()].every((name) => INTROSPECTION_FIELDS.has(name));
}
