/**
 * Query limits (src/graphql/limits): tokens, depth, aliases, top-level fields, introspection
 * ceilings and cost, measured with fragments expanded; and that legitimate use passes: every
 * example operation and GraphiQL's introspection query.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getIntrospectionQuery, getOperationAST, Kind, parse, specifiedRules, validate, type GraphQLSchema } from 'graphql';
import { noIntrospectionRule } from '../../../src/graphql/limits/introspection';
import { OperationGuard } from '../../../src/graphql/limits/operation-guard';
import {
  DEFAULT_QUERY_LIMITS,
  MAX_INTROSPECTION_DEPTH,
  countTokens,
  measureOperation,
  operationCost,
  rootFieldsOf,
  structuralLimitErrors,
  type QueryLimits,
} from '../../../src/graphql/limits/query-limits';
import { stripSuggestions } from '../../../src/graphql/limits/suggestions';
import { RateLimiter } from '../../../src/graphql/rate-limit/rate-limiter';
import { buildGatewaySchema } from '../../../src/graphql/schema';

const EXAMPLES = join(__dirname, '../../../examples/operations');
const examples = readdirSync(EXAMPLES)
  .filter((file) => file.endsWith('.graphql'))
  .map((file) => [file, readFileSync(join(EXAMPLES, file), 'utf8')] as const);

/** What GraphiQL sends to load the schema (@graphiql/react's useIntrospectionQuery). */
const GRAPHIQL_INTROSPECTION = getIntrospectionQuery({ inputValueDeprecation: true, schemaDescription: true });

let schema: GraphQLSchema;
beforeAll(async () => {
  schema = await buildGatewaySchema();
});

const limits = (overrides: Partial<QueryLimits> = {}): QueryLimits => ({ ...DEFAULT_QUERY_LIMITS, ...overrides });
const guard = (overrides: Partial<QueryLimits> = {}, introspection = true) =>
  new OperationGuard({ schema, limits: limits(overrides), introspection, rateLimiter: new RateLimiter({ perMinute: 0, initiatePerMinute: 0, refundPerMinute: 0 }) });

function shape(query: string) {
  const document = parse(query);
  return measureOperation(getOperationAST(document)!, document);
}

function cost(query: string, variables: Record<string, unknown> = {}) {
  const document = parse(query);
  return operationCost(schema, document, getOperationAST(document)!, variables);
}

/** Everything the gateway runs before executing: parse with limits, validate with its rules, cost. */
function gatewayErrors(query: string, variables: Record<string, unknown> = {}, introspection = true): string[] {
  const g = guard({}, introspection);
  const parsed = g.parse(query);
  if (!parsed.document) return parsed.errors.map((error) => error.message);
  const invalid = validate(schema, parsed.document, [...specifiedRules, ...g.validationRules]);
  if (invalid.length > 0) return invalid.map((error) => error.message);
  const { refusal } = g.measure(parsed.document, getOperationAST(parsed.document)!, variables);
  return refusal ? [refusal.message] : [];
}

describe('legitimate use passes the default limits', () => {
  it('finds the example operations', () => {
    expect(examples.length).toBeGreaterThanOrEqual(10);
  });

  it.each(examples)('%s parses, validates and costs within the limits, even at the largest page size', (_file, source) => {
    expect(gatewayErrors(source)).toEqual([]);
    expect(gatewayErrors(source, { first: 100 })).toEqual([]);
    // and it is nowhere near the edges
    expect(countTokens(source)).toBeLessThan(DEFAULT_QUERY_LIMITS.maxTokens / 4);
    const measured = shape(source);
    expect(measured.depth).toBeLessThanOrEqual(DEFAULT_QUERY_LIMITS.maxDepth - 3);
    expect(measured.aliases).toBe(0);
    expect(measured.rootFields).toBe(1);
  });

  it("passes GraphiQL's introspection query outside production", () => {
    expect(gatewayErrors(GRAPHIQL_INTROSPECTION)).toEqual([]);
    expect(gatewayErrors(getIntrospectionQuery())).toEqual([]);
    const measured = shape(GRAPHIQL_INTROSPECTION);
    expect(measured.introspectionDepth).toBe(MAX_INTROSPECTION_DEPTH);
    expect(measured.introspectionLists).toBe(3);
    expect(measured.depth).toBe(0);
  });

  it("passes GraphiQL's default document and the README's inline initiate", () => {
    const { DEFAULT_QUERY } = require('../../../src/http/graphiql/graphiql.client');
    const document = parse(DEFAULT_QUERY);
    expect(structuralLimitErrors(document, limits())).toEqual([]);
    expect(validate(schema, document, [...specifiedRules, ...guard().validationRules])).toEqual([]);
    expect(
      gatewayErrors(`mutation { initiatePayment(input: { returnUrl: "https://example.com/thanks" websiteUrl: "https://example.com"
        amount: 1300 purchaseOrderId: "order-1" purchaseOrderName: "Khalti logo sticker" }) { paymentUrl payment { pidx status } userErrors { field message code } } }`),
    ).toEqual([]);
  });

  it('allows a few aliases, as a client listing both bank types does', () => {
    expect(gatewayErrors('{ e: banks(type: EBANKING) { idx name } m: banks(type: MOBILE_CHECKOUT) { idx name } }')).toEqual([]);
  });
});

describe('tokens', () => {
  it('counts tokens as graphql-js does, comments aside', () => {
    expect(countTokens('{ a }')).toBe(3);
    expect(countTokens('# a comment\n{ a(b: "c") }')).toBe(8);
    expect(() => parse('{ a b }', { maxTokens: countTokens('{ a b }') })).not.toThrow();
    expect(() => parse('{ a b }', { maxTokens: countTokens('{ a b }') - 1 })).toThrow(/tokens/);
  });

  it('refuses a document over the limit before parsing it', () => {
    const big = `{ checkoutConfig { ${'environment '.repeat(DEFAULT_QUERY_LIMITS.maxTokens)}} }`;
    expect(gatewayErrors(big)).toEqual([`The document has more than ${DEFAULT_QUERY_LIMITS.maxTokens} tokens, the limit; nothing was run.`]);
  });
});

describe('depth', () => {
  it('measures nesting, the top-level field being 1', () => {
    expect(shape('{ checkoutConfig { environment } }').depth).toBe(2);
    expect(shape('query { payments { edges { node { refunds { id } } } } }').depth).toBe(5);
  });

  it('refuses deeper than the limit, before validation says anything', () => {
    const deep = '{ a { b { c { d { e { f { g { h { i } } } } } } } } }';
    expect(gatewayErrors(deep)).toEqual(['The operation is nested 9 levels deep; the limit is 8.']);
    expect(structuralLimitErrors(parse('{ a { b { c { d { e { f { g { h } } } } } } } }'), limits())).toEqual([]);
  });

  it('sees through fragments and inline fragments', () => {
    const hidden = `query Hidden { ...A }
      fragment A on Query { payments { ... on PaymentConnection { ...B } } }
      fragment B on PaymentConnection { edges { node { refunds { id } } } }`;
    expect(shape(hidden).depth).toBe(5);
    expect(structuralLimitErrors(parse(hidden), limits({ maxDepth: 4 })).map((e) => e.message)).toEqual([
      'Operation "Hidden" is nested 5 levels deep; the limit is 4.',
    ]);
  });

  it('does not loop on fragment cycles (validation reports them)', () => {
    const cyclic = '{ ...A } fragment A on Query { payments { ...B } } fragment B on PaymentConnection { ...A }';
    expect(shape(cyclic).depth).toBe(1);
    expect(gatewayErrors(cyclic).join(' ')).toMatch(/Cannot spread fragment "A" within itself|cannot be spread here/);
  });

  it('gives introspection a ceiling of its own, and bounds its cyclic lists', () => {
    const tooDeep = `{ __type(name: "Payment") { ofType { ofType { ofType { ofType { ofType { ofType { ofType { ofType { ofType { ofType { ofType { ofType { ofType { ofType { name } } } } } } } } } } } } } } } }`;
    expect(shape(tooDeep).introspectionDepth).toBe(16);
    expect(gatewayErrors(tooDeep)).toEqual(['The operation nests introspection 16 levels deep; the limit is 15.']);
    const cyclic = '{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }';
    expect(gatewayErrors(cyclic)).toEqual(['The operation nests 4 introspection lists; the limit is 3.']);
  });
});

describe('aliases and top-level fields', () => {
  it('counts aliases with fragments expanded', () => {
    expect(shape('{ a: checkoutConfig { e: environment } b: checkoutConfig { environment } }').aliases).toBe(3);
    const spread = `{ ...F ...F2 } fragment F on Query { x: checkoutConfig { environment } }
      fragment F2 on Query { payments { edges { node { ...G ...G } } } } fragment G on Payment { p: pidx q: status }`;
    // Spreading the same fragment twice at one place merges; the count is an upper bound.
    expect(shape(spread).aliases).toBe(5);
  });

  it('refuses more aliases than the limit', () => {
    const many = `{ checkoutConfig { ${Array.from({ length: 16 }, (_, i) => `e${i}: environment`).join(' ')} } }`;
    expect(gatewayErrors(many)).toEqual(['The operation uses 16 aliases; the limit is 15.']);
  });

  it('counts distinct top-level response keys, through fragments, __typename aside', () => {
    const document = parse(`mutation M($i: InitiatePaymentInput!) { __typename a: initiatePayment(input: $i) { paymentUrl } ...R ...R }
      fragment R on Mutation { b: initiatePayment(input: $i) { paymentUrl } verifyPayment(pidx: "x") { pidx } }`);
    expect([...rootFieldsOf(getOperationAST(document)!, document)]).toEqual([
      ['a', 'initiatePayment'],
      ['b', 'initiatePayment'],
      ['verifyPayment', 'verifyPayment'],
    ]);
    expect(shape('{ checkoutConfig { environment } checkoutConfig { publicKey } }').rootFields).toBe(1);
  });

  it('refuses more top-level fields than the limit', () => {
    const wide = `{ ${Array.from({ length: 11 }, (_, i) => `c${i}: checkoutConfig { environment }`).join(' ')} }`;
    expect(gatewayErrors(wide)).toEqual(['The operation selects 11 top-level fields; the limit is 10.']);
  });

  it('refuses 500 aliased mutations on every count, and measures a fragment bomb without expanding it', () => {
    const mutation = `mutation ($input: InitiatePaymentInput!) { ${Array.from({ length: 500 }, (_, i) => `a${i}: initiatePayment(input: $input) { paymentUrl }`).join(' ')} }`;
    const errors = structuralLimitErrors(parse(mutation), limits({ maxTokens: 1_000_000 })).map((e) => e.message);
    expect(errors).toEqual(['The operation uses 500 aliases; the limit is 15.', 'The operation selects 500 top-level fields; the limit is 10.']);
    expect(gatewayErrors(mutation)).toEqual([`The document has more than ${DEFAULT_QUERY_LIMITS.maxTokens} tokens, the limit; nothing was run.`]);

    // 2^30 aliased fields once expanded; each fragment's selections are read twice, once by each
    // walk (the measure, and the top-level fields). A walk that expanded the fragments would read
    // F30's 2^30 times: the count stops it at the third.
    const levels = Array.from({ length: 30 }, (_, i) => `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }`).join('\n');
    const bomb = parse(`{ ...F0 }\n${levels}\nfragment F30 on Query { x: checkoutConfig { environment } }`);
    const reads = new Map<string, number>();
    const counted = {
      ...bomb,
      definitions: bomb.definitions.map((definition) => {
        if (definition.kind !== Kind.FRAGMENT_DEFINITION) return definition;
        const name = definition.name.value;
        const selectionSet = new Proxy(definition.selectionSet, {
          get(target, property, receiver) {
            if (property === 'selections') {
              reads.set(name, (reads.get(name) ?? 0) + 1);
              if (reads.get(name)! > 2) throw new Error(`fragment ${name} read again: expanded, not measured once`);
            }
            return Reflect.get(target, property, receiver);
          },
        });
        return { ...definition, selectionSet };
      }),
    };
    expect(measureOperation(getOperationAST(counted)!, counted).aliases).toBe(2 ** 30);
    expect([...reads.values()]).toEqual(Array.from({ length: 31 }, () => 2));
  });
});

describe('cost', () => {
  it('counts each field once and multiplies lists by first, or by 10', () => {
    expect(cost('{ checkoutConfig { environment publicKey } }')).toBe(3);
    expect(cost('query { payments(first: 100) { edges { node { pidx refunds { id } } } } }')).toBe(1302);
    expect(cost('query { payments { totalCount edges { node { pidx } } } }')).toBe(1 + 1 + 1 + 20 * 2);
    expect(cost('{ banks(type: EBANKING) { idx name } }')).toBe(1 + 10 * 2);
  });

  it('prices the payments example as the README says: 786 at the default page size, 3906 at 100', () => {
    const payments = examples.find(([file]) => file === 'payments.graphql')![1];
    expect(cost(payments)).toBe(786);
    expect(cost(payments, { first: 100 })).toBe(3906);
  });

  it('reads first from the variables, then the variable default, and clamps it to 1..100', () => {
    const query = 'query ($first: Int = 7) { payments(first: $first) { edges { cursor } } }';
    expect(cost(query, { first: 50 })).toBe(1 + 1 + 50);
    expect(cost(query)).toBe(1 + 1 + 7);
    expect(cost(query, { first: 1_000_000 })).toBe(1 + 1 + 100);
    expect(cost(query, { first: -3 })).toBe(1 + 1 + 1);
  });

  it('one guard measuring the same parsed document again reads each request\'s own variables (its cost is kept only where no variable sets a page size)', () => {
    const g = guard();
    const paged = parse('query ($first: Int = 7) { payments(first: $first) { edges { cursor } } }');
    const pagedOperation = getOperationAST(paged)!;
    expect(g.measure(paged, pagedOperation, { first: 50 }).cost).toBe(1 + 1 + 50);
    expect(g.measure(paged, pagedOperation, { first: 3 }).cost).toBe(1 + 1 + 3);
    expect(g.measure(paged, pagedOperation, {}).cost).toBe(1 + 1 + 7);
    const fixed = parse('query ($pidx: ID!) { payment(pidx: $pidx) { pidx refunds { id } } payments(first: 30) { edges { cursor } } }');
    const fixedOperation = getOperationAST(fixed)!;
    const first = g.measure(fixed, fixedOperation, { pidx: 'a' });
    expect(first.cost).toBe(cost('query ($pidx: ID!) { payment(pidx: $pidx) { pidx refunds { id } } payments(first: 30) { edges { cursor } } }'));
    expect(g.measure(fixed, fixedOperation, { pidx: 'b', first: 100 })).toEqual(first);
    expect(first.rateClasses).toEqual(['all']);
  });

  it('is not fooled by fragments, and leaves introspection to its own ceilings', () => {
    const plain = 'query { payments(first: 30) { edges { node { pidx status } } } }';
    const fragmented = 'query { payments(first: 30) { ...C } } fragment C on PaymentConnection { edges { ...E } } fragment E on PaymentEdge { node { pidx status } }';
    expect(cost(fragmented)).toBe(cost(plain));
    expect(cost(GRAPHIQL_INTROSPECTION)).toBe(0);
  });

  it('refuses an operation over the limit, naming the estimate', () => {
    const heavy = `query Heavy($first: Int) { payments(first: $first) { edges { node { pidx
      auditLog { id at kind operation pidx actor httpStatus durationMs detail } refunds { id amount mobile state detail createdAt } } } } }`;
    expect(gatewayErrors(heavy, { first: 5 })).toEqual([]);
    expect(gatewayErrors(heavy, { first: 100 })).toEqual([
      'Operation "Heavy" has an estimated cost of 15402; the limit is 5000. Ask for fewer fields, smaller pages (first) or fewer nested lists.',
    ]);
  });
});

describe('introspection switch and suggestions', () => {
  it('refuses __schema and __type when introspection is off, never __typename', () => {
    const rules = [...specifiedRules, noIntrospectionRule];
    expect(validate(schema, parse('{ __schema { queryType { name } } }'), rules).map((e) => e.message)).toEqual([
      'Introspection is disabled on this gateway (GRAPHQL_INTROSPECTION).',
    ]);
    expect(validate(schema, parse('{ __type(name: "Payment") { name } }'), rules)).toHaveLength(1);
    expect(validate(schema, parse('{ __typename checkoutConfig { __typename } }'), rules)).toEqual([]);
    expect(gatewayErrors(GRAPHIQL_INTROSPECTION, {}, false)[0]).toMatch(/Introspection is disabled/);
    expect(validate(schema, parse('{ __typename }'), [...specifiedRules, ...guard({}, false).validationRules])).toEqual([]);
  });

  it('strips "Did you mean" from messages', () => {
    const [error] = validate(schema, parse('{ checkoutConfg { environment } }'));
    expect(error!.message).toMatch(/Did you mean "checkoutConfig"\?$/);
    expect(stripSuggestions(error!.message)).toBe('Cannot query field "checkoutConfg" on type "Query".');
    expect(stripSuggestions('Value "PAID" does not exist in "PaymentStatus" enum. Did you mean the enum value "PENDING" or "EXPIRED"?')).toBe(
      'Value "PAID" does not exist in "PaymentStatus" enum.',
    );
    expect(stripSuggestions('Nothing to strip.')).toBe('Nothing to strip.');
  });
});
