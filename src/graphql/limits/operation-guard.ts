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
 * Before 1, with TRUSTED_DOCUMENTS set, a document named by hash is replaced by its text and a
 * client key's document that is not trusted is refused (trusted-documents.ts).
 *
 * HTTP: Apollo parses (with maxTokens) and validates (with validationRules); an Express middleware
 * runs 1-2 on the request first, and an Apollo plugin runs 4 in didResolveOperation. WebSocket:
 * graphql-ws's onSubscribe calls prepare(), which runs 1-4 itself.
 *
 * What the guard finds is told to the client: the estimated cost and GRAPHQL_MAX_COST in each
 * response's `extensions.cost` (each event's, over WebSocket), and over HTTP the key's buckets in
 * RateLimit-Policy / RateLimit headers (rate-limit/rate-limit-headers.ts).
 */
import type { IncomingMessage } from 'node:http';
import type { GraphQLRequestListener } from '@apollo/server';
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
import { GRAPHQL_PATH } from '../graphql-path';
import type { ClientAddressOf } from '../rate-limit/client-address';
import { RATE_LIMIT_HEADER, RATE_LIMIT_POLICY_HEADER, rateLimitHeaderValues } from '../rate-limit/rate-limit-headers';
import { rateClassesOf, rateLimitedError, rateSubject, type RateClass, type RateLimiting } from '../rate-limit/rate-limiter';
import { noIntrospectionRule } from './introspection';
import type { TrustedDocuments } from './trusted-documents';
import {
  costLimitError,
  costReadsVariables,
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
  /** In this process (RateLimiter) or shared by every instance in Redis (RedisRateLimiter). */
  rateLimiter: RateLimiting;
  /** TRUSTED_DOCUMENTS; null: any document. Over HTTP its own middleware applies it; prepare() here. */
  trustedDocuments?: TrustedDocuments | null;
}

export type ErrorFormatter = (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;

export interface OperationRequest {
  query: unknown;
  operationName?: unknown;
  variables?: unknown;
  extensions?: unknown;
  documentId?: unknown;
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

/** What step 4 found: the estimated cost, the rate buckets the operation draws on, and any refusal. */
export interface Admission {
  cost: number;
  rateClasses: RateClass[];
  refusal: GraphQLError | null;
}

/** What factsOf keeps of an operation: its top-level fields, their rate buckets, and its cost when no variable can change it. */
interface OperationFacts {
  readonly rootFields: readonly string[];
  readonly rateClasses: readonly RateClass[];
  readonly fixedCost: number | null;
}

/** `extensions.cost` on a response: the operation's estimated cost and GRAPHQL_MAX_COST. */
export interface CostExtension {
  cost: { estimated: number; limit: number };
}

/** How many distinct documents that passed steps 1-2 the HTTP precheck remembers. */
const PASSED_DOCUMENTS_KEPT = 1000;

export class OperationGuard {
  /** Costs of the operations prepared for WebSocket subscriptions, by their context (one per subscribe). */
  private readonly preparedCosts = new WeakMap<object, number>();
  /** factsOf, by operation (an operation belongs to the one document it was parsed in). */
  private readonly facts = new WeakMap<OperationDefinitionNode, OperationFacts>();

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

  /** Step 4's first half, taking nothing: the estimated cost of the operation against GRAPHQL_MAX_COST. */
  measure(document: DocumentNode, operation: OperationDefinitionNode, variables: unknown): Admission {
    const facts = this.factsOf(document, operation);
    const vars = variables && typeof variables === 'object' && !Array.isArray(variables) ? (variables as Record<string, unknown>) : undefined;
    const cost = facts.fixedCost ?? operationCost(this.options.schema, document, operation, vars);
    const rateClasses = [...facts.rateClasses];
    if (cost > this.options.limits.maxCost) return { cost, rateClasses, refusal: costLimitError(operation, cost, this.options.limits) };
    return { cost, rateClasses, refusal: null };
  }

  /**
   * What an operation's text alone decides, worked out once per parsed operation: Apollo and
   * SharedDocuments hand the same document object back for the same text, so a client's few
   * documents are walked once, not on every request.
   */
  private factsOf(document: DocumentNode, operation: OperationDefinitionNode): OperationFacts {
    let facts = this.facts.get(operation);
    if (!facts) {
      const rootFields = [...rootFieldsOf(operation, document).values()];
      facts = {
        rootFields,
        rateClasses: rateClassesOf(rootFields),
        fixedCost: costReadsVariables(document) ? null : operationCost(this.options.schema, document, operation, undefined),
      };
      this.facts.set(operation, facts);
    }
    return facts;
  }

  /**
   * Step 4: the cost of the operation that will run, then the caller's rate limits (a client key's
   * counted per client address, rate-limit/client-address.ts).
   */
  async admit(document: DocumentNode, operation: OperationDefinitionNode, variables: unknown, caller: Caller | null, clientAddress?: string): Promise<Admission> {
    const measured = this.measure(document, operation, variables);
    // Unauthenticated callers are not metered: every field but __typename and (outside production)
    // introspection refuses them before doing anything, and sockets without a key are closed.
    if (measured.refusal || !caller) return measured;
    const { rootFields } = this.factsOf(document, operation);
    const decision = await this.options.rateLimiter.take(rateSubject(caller, clientAddress), rootFields);
    return { ...measured, refusal: decision.allowed ? null : rateLimitedError(decision) };
  }

  costExtension(cost: number): CostExtension {
    return { cost: { estimated: cost, limit: this.options.limits.maxCost } };
  }

  /** extensions.cost for a subscription prepared by prepare(), given its context; null for others. */
  preparedCostExtension(contextValue: unknown): CostExtension | null {
    const cost = contextValue && typeof contextValue === 'object' ? this.preparedCosts.get(contextValue) : undefined;
    return cost === undefined ? null : this.costExtension(cost);
  }

  /**
   * RateLimit-Policy and RateLimit values for `caller`'s buckets as they are now (the general one
   * always, plus `classes`), read without taking anything; null when the limits are off.
   */
  async rateLimitHeaders(caller: Caller, clientAddress: string | undefined, classes: Iterable<RateClass> = []): Promise<[string, string][]> {
    const values = rateLimitHeaderValues(await this.options.rateLimiter.peek(rateSubject(caller, clientAddress), ['all', ...classes]));
    return values ? [[RATE_LIMIT_POLICY_HEADER, values.policy], [RATE_LIMIT_HEADER, values.limit]] : [];
  }

  /**
   * Express, before anything can answer: the rate-limit headers of the request's key as they stand,
   * so that every response to an authenticated key carries them (refusals by the precheck and by
   * graphql-js's validation included). The Apollo plugin replaces them once the operation has
   * taken its tokens.
   */
  httpRateLimitHeaders(authenticate: (req: IncomingMessage) => Caller | null, clientAddressOf: ClientAddressOf): RequestHandler {
    return async (req, res, next) => {
      const caller = authenticate(req);
      if (caller) for (const [name, value] of await this.rateLimitHeaders(caller, clientAddressOf(req))) res.setHeader(name, value);
      next();
    };
  }

  /** Steps 1-4 for graphql-ws's onSubscribe: execution arguments, or the errors to send instead. */
  async prepare(request: OperationRequest, contextValue: GatewayContext): Promise<ExecutionArgs | GraphQLError[]> {
    const { schema, trustedDocuments } = this.options;
    let query = request.query;
    if (trustedDocuments) {
      const resolved = trustedDocuments.resolve(request, contextValue.auth.caller?.role ?? null);
      if ('error' in resolved) return [resolved.error];
      query = resolved.query;
    }
    if (typeof query !== 'string' || !query.trim()) {
      return [limitError('Send the operation as a non-empty query string.')];
    }
    const parsed = this.parse(query);
    if (!parsed.document) return parsed.errors;
    const document = parsed.document;
    const validationErrors = validate(schema, document, [...specifiedRules, ...this.validationRules]);
    if (validationErrors.length > 0) return validationErrors.map(asBadUserInput);
    const operationName = typeof request.operationName === 'string' ? request.operationName : undefined;
    const operation = getOperationAST(document, operationName);
    if (!operation) {
      return [limitError(operationName ? `The document has no operation named "${operationName}".` : 'Name the operation to run (operationName): the document has several.')];
    }
    const { cost, refusal } = await this.admit(document, operation, request.variables, contextValue.auth.caller, contextValue.clientAddress);
    if (refusal) return [refusal];
    this.preparedCosts.set(contextValue, cost);
    const variableValues = request.variables && typeof request.variables === 'object' ? (request.variables as Record<string, unknown>) : undefined;
    return { schema, document, operationName, variableValues, contextValue };
  }

  /**
   * Express, after the JSON body parser and before Apollo: steps 1-2 on the request's query, so an
   * oversized document is refused before graphql-js validates it. Requests it cannot read (no query,
   * a batch, a syntax error) go on to Apollo, which refuses them in its usual way.
   */
  httpPrecheck(formatError: ErrorFormatter): RequestHandler {
    // Apps send the same few documents again and again: one that passed is not parsed again here
    // (Apollo keeps its own parsed copy). Bounded, so a stream of distinct documents cannot grow it.
    const passed = new Set<string>();
    return (req, res, next) => {
      const query = req.method === 'GET' ? req.query['query'] : (req.body as { query?: unknown } | undefined)?.query;
      if (typeof query !== 'string' || Array.isArray(req.body) || passed.has(query)) {
        next();
        return;
      }
      const { document, errors } = this.parse(query);
      if (document) {
        if (passed.size >= PASSED_DOCUMENTS_KEPT) passed.delete(passed.values().next().value!);
        passed.add(query);
      }
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

  /**
   * Apollo, for one request: step 4 once Apollo has resolved the operation, before it executes
   * anything; then the key's rate-limit headers as they are after it (with the strict buckets it
   * drew on), and the estimated cost in the response's `extensions.cost`, refusals for cost or
   * rate included. A listener rather than a plugin: graphql-server.ts gives Apollo one plugin
   * for all the gateway's per-request work (Apollo awaits each plugin's every hook).
   */
  apolloListener(): Required<Pick<GraphQLRequestListener<GatewayContext>, 'didResolveOperation' | 'willSendResponse'>> {
    let cost: number | undefined;
    return {
      didResolveOperation: async ({ document, operation, request, contextValue, response }) => {
        if (!operation) return;
        // graphql-js cannot run a subscription as one HTTP answer (it fails inside, as an
        // internal error): say where subscriptions are served instead, before anything runs.
        if (operation.operation === 'subscription') {
          throw new GraphQLError(
            `Subscriptions are served over the WebSocket at ${GRAPHQL_PATH} (protocol graphql-transport-ws, e.g. the graphql-ws client) ` +
              `and as server-sent events at ${GRAPHQL_PATH}/stream (protocol graphql-sse, e.g. the graphql-sse client), not over HTTP POST. Nothing was run.`,
            { extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } } },
          );
        }
        const admission = await this.admit(document, operation, request.variables, contextValue.auth.caller, contextValue.clientAddress);
        cost = admission.cost;
        const caller = contextValue.auth.caller;
        const rateHeaders = caller ? await this.rateLimitHeaders(caller, contextValue.clientAddress, admission.rateClasses) : [];
        for (const [name, value] of rateHeaders) response.http.headers.set(name, value);
        const { refusal } = admission;
        if (!refusal) return;
        const retryAfter = refusal.extensions.retryAfterSeconds;
        const http =
          refusal.extensions.code === 'RATE_LIMITED'
            ? { status: 429, headers: new HeaderMap([['retry-after', String(retryAfter)], ...rateHeaders]) }
            : { status: 400, headers: new HeaderMap(rateHeaders) };
        throw new GraphQLError(refusal.message, { extensions: { ...refusal.extensions, http } });
      },
      willSendResponse: async ({ response }) => {
        if (cost === undefined || response.body.kind !== 'single') return;
        const result = response.body.singleResult;
        result.extensions = { ...result.extensions, ...this.costExtension(cost) };
      },
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
