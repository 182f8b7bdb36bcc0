/**
 * One gate for every operation, whichever transport brings it. In order, all before any resolver:
 *
 *   1. tokens (GRAPHQL_MAX_TOKENS), counted before parsing;
 *   2. structure: depth, aliases, top-level fields, introspection ceilings (query-limits.ts),
 *      measured on the parsed document before graphql-js's validation;
 *   3. graphql-js validation with the same structural rule plus, when introspection is off,
 *      noIntrospectionRule;
 *   4. once the operation and variables are known: its estimated cost (GRAPHQL_MAX_COST), then the
 *      caller's rate limits (one token per top-level field, rate-limit/rate-limiter.ts).
 *
 * HTTP: Apollo parses (with maxTokens) and validates (with validationRules); an Express middleware
 * runs 1-2 on the request first, and an Apollo plugin runs 4 in didResolveOperation. WebSocket:
 * graphql-ws's onSubscribe calls prepare(), which runs 1-4 itself.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import { HeaderMap } from '@apollo/server';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import {
  GraphQLError,
  getOperationAST,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type ExecutionArgs,
  type GraphQLFormattedError,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type ParseOptions,
  type ValidationRule,
} from 'graphql';
import type { Caller } from '../api-keys';
import type { GatewayContext } from '../context';
import { rateLimitedError, type RateLimiter } from '../rate-limit/rate-limiter';
import { noIntrospectionRule } from './introspection';
import {
  costLimitError,
  countTokens,
  limitError,
  operationCost,
  queryLimitsRule,
  rootFieldsOf,
  structuralLimitErrors,
  tokenLimitError,
  type QueryLimits,
} from './query-limits';

export interface OperationGuardOptions {
  schema: GraphQLSchema;
  limits: QueryLimits;
  /** False: `__schema` / `__type` are refused (GRAPHQL_INTROSPECTION; off in production by default). */
  introspection: boolean;
  rateLimiter: RateLimiter;
}

export type ErrorFormatter = (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;

export interface OperationRequest {
  query: unknown;
  operationName?: unknown;
  variables?: unknown;
}

/** What graphql-js reports without a code (syntax, validation) is the caller's to fix. */
function asBadUserInput(error: GraphQLError): GraphQLError {
  if (error.extensions.code) return error;
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    extensions: { code: 'BAD_USER_INPUT' },
  });
}

export class OperationGuard {
  readonly validationRules: ValidationRule[];
  readonly parseOptions: ParseOptions;

  constructor(private readonly options: OperationGuardOptions) {
    this.validationRules = [queryLimitsRule(options.limits), ...(options.introspection ? [] : [noIntrospectionRule])];
    this.parseOptions = { maxTokens: options.limits.maxTokens };
  }

  /** Steps 1 and 2. Syntax errors come back as errors too; `document` is set when there are none. */
  parse(query: string): { document?: DocumentNode; errors: GraphQLError[] } {
    const { limits } = this.options;
    if (countTokens(query, limits.maxTokens) > limits.maxTokens) return { errors: [tokenLimitError(limits)] };
    let document: DocumentNode;
    try {
      document = parse(query, this.parseOptions);
    } catch (error) {
      return { errors: [error instanceof GraphQLError ? asBadUserInput(error) : limitError('The document could not be parsed.')] };
    }
    const errors = structuralLimitErrors(document, limits);
    return errors.length > 0 ? { errors } : { document, errors };
  }

  /** Step 4: the cost of the operation that will run, then the caller's rate limits. */
  admit(document: DocumentNode, operation: OperationDefinitionNode, variables: unknown, caller: Caller | null): GraphQLError | null {
    const vars = variables && typeof variables === 'object' && !Array.isArray(variables) ? (variables as Record<string, unknown>) : undefined;
    const cost = operationCost(this.options.schema, document, operation, vars);
    if (cost > this.options.limits.maxCost) return costLimitError(operation, cost, this.options.limits);
    // Unauthenticated callers are not metered: every field but __typename and (outside production)
    // introspection refuses them before doing anything, and sockets without a key are closed.
    if (!caller) return null;
    const decision = this.options.rateLimiter.take(caller.keyId, [...rootFieldsOf(operation, document).values()]);
    return decision.allowed ? null : rateLimitedError(decision);
  }

  /** Steps 1-4 for graphql-ws's onSubscribe: execution arguments, or the errors to send instead. */
  prepare(request: OperationRequest, contextValue: GatewayContext): ExecutionArgs | GraphQLError[] {
    const { schema } = this.options;
    if (typeof request.query !== 'string' || !request.query.trim()) {
      return [limitError('Send the operation as a non-empty query string.')];
    }
    const parsed = this.parse(request.query);
    if (!parsed.document) return parsed.errors;
    const document = parsed.document;
    const validationErrors = validate(schema, document, [...specifiedRules, ...this.validationRules]);
    if (validationErrors.length > 0) return validationErrors.map(asBadUserInput);
    const operationName = typeof request.operationName === 'string' ? request.operationName : undefined;
    const operation = getOperationAST(document, operationName);
    if (!operation) {
      return [limitError(operationName ? `The document has no operation named "${operationName}".` : 'Name the operation to run (operationName): the document has several.')];
    }
    const refusal = this.admit(document, operation, request.variables, contextValue.auth.caller);
    if (refusal) return [refusal];
    const variableValues = request.variables && typeof request.variables === 'object' ? (request.variables as Record<string, unknown>) : undefined;
    return { schema, document, operationName, variableValues, contextValue };
  }

  /**
   * Express, after the JSON body parser and before Apollo: steps 1-2 on the request's query, so an
   * oversized document is refused before graphql-js validates it. Requests it cannot read (no query,
   * a batch, a syntax error) go on to Apollo, which refuses them in its usual way.
   */
  httpPrecheck(formatError: ErrorFormatter): RequestHandler {
    return (req, res, next) => {
      const query = req.method === 'GET' ? req.query['query'] : (req.body as { query?: unknown } | undefined)?.query;
      if (typeof query !== 'string' || Array.isArray(req.body)) {
        next();
        return;
      }
      const { document, errors } = this.parse(query);
      if (document || errors.every((error) => error.message.startsWith('Syntax Error'))) {
        next();
        return;
      }
      res
        .status(400)
        .type('application/json')
        .send(JSON.stringify({ errors: errors.map((error) => formatError(error.toJSON(), error)) }));
    };
  }

  /** Apollo: step 4 once Apollo has resolved the operation, before it executes anything. */
  apolloPlugin(): ApolloServerPlugin<GatewayContext> {
    return {
      requestDidStart: async () => ({
        didResolveOperation: async ({ document, operation, request, contextValue }) => {
          if (!operation) return;
          const refusal = this.admit(document, operation, request.variables, contextValue.auth.caller);
          if (!refusal) return;
          const retryAfter = refusal.extensions.retryAfterSeconds;
          const http =
            refusal.extensions.code === 'RATE_LIMITED'
              ? { status: 429, headers: new HeaderMap([['retry-after', String(retryAfter)]]) }
              : { status: 400, headers: new HeaderMap() };
          throw new GraphQLError(refusal.message, { extensions: { ...refusal.extensions, http } });
        },
      }),
    };
  }
}

/**
 * Errors from the JSON body parser (express.json) as GraphQL errors rather than Express's HTML
 * error page: 413 for a body over the limit, 400 for malformed JSON. Nothing reaches Apollo.
 */
export function bodyErrorHandler(maxBytes: number): ErrorRequestHandler {
  return (error: unknown, _req, res, next) => {
    const type = (error as { type?: unknown } | null)?.type;
    const status = (error as { status?: unknown } | null)?.status;
    let message: string | null = null;
    if (type === 'entity.too.large') message = `The request body is larger than ${Math.round(maxBytes / 1024)} kB, the limit; nothing was run.`;
    else if (type === 'entity.parse.failed') message = 'The request body is not valid JSON.';
    else if (type === 'encoding.unsupported' || type === 'charset.unsupported') message = 'The request body encoding is not supported.';
    else if (type === 'request.aborted' || type === 'request.size.invalid') message = 'The request body was incomplete.';
    if (message === null || typeof status !== 'number') {
      next(error);
      return;
    }
    res
      .status(status)
      .type('application/json')
      .send(JSON.stringify({ errors: [{ message, extensions: { code: 'BAD_USER_INPUT' } }] }));
  };
}
