/**
 * Limits on what one GraphQL document may ask for: tokens, depth, aliases, top-level fields and
 * estimated cost. HTTP and WebSocket apply the same functions (see operation-guard.ts), and they
 * run before any resolver: tokens while parsing, the structural limits right after parsing (before
 * graphql-js's own validation, whose overlapping-fields rule is quadratic in the document), and the
 * cost once the operation and its variables are known.
 *
 * Everything here is measured with fragments expanded (memoised per fragment, so a "fragment bomb"
 * costs the measurement nothing), so fragments cannot hide depth, aliases or cost.
 */
import {
  BREAK,
  GraphQLError,
  Kind,
  Lexer,
  Source,
  TokenKind,
  getNamedType,
  getNullableType,
  isCompositeType,
  isInterfaceType,
  isListType,
  isObjectType,
  visit,
  type ASTVisitor,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
  type ValueNode,
} from 'graphql';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../pagination';

export interface QueryLimits {
  /** Lexical tokens in the whole document (GRAPHQL_MAX_TOKENS). */
  maxTokens: number;
  /** Nesting of fields, the top-level field being 1 (GRAPHQL_MAX_DEPTH). Introspection has its own ceiling. */
  maxDepth: number;
  /** Aliased fields in one operation, fragments expanded (GRAPHQL_MAX_ALIASES). */
  maxAliases: number;
  /** Distinct top-level fields (response keys) in one operation, `__typename` aside (GRAPHQL_MAX_ROOT_FIELDS). */
  maxRootFields: number;
  /** Estimated cost of the operation that runs (GRAPHQL_MAX_COST); see operationCost. */
  maxCost: number;
}

/**
 * Defaults, chosen against this schema: its deepest legitimate selection is 5 levels
 * (`payments { edges { node { refunds { id } } } }`); the example operations use no aliases and
 * one top-level field; the costliest example (`payments` with refunds) costs 786 at the default
 * page size and 3906 at the largest (100); GraphiQL's introspection query is about 180 tokens.
 */
export const DEFAULT_QUERY_LIMITS: Readonly<QueryLimits> = Object.freeze({
  maxTokens: 2000,
  maxDepth: 8,
  maxAliases: 15,
  maxRootFields: 10,
  maxCost: 5000,
});

/**
 * Introspection (`__schema`, `__type`) is cyclic (__Type.fields.type.fields...), so it gets a fixed
 * ceiling of its own: the standard introspection query that GraphiQL and code generators send
 * is 15 levels deep and nests 3 lists (types > fields > args). Deeper or more nested introspection
 * is refused, which bounds its response.
 */
export const MAX_INTROSPECTION_DEPTH = 15;
export const MAX_INTROSPECTION_LISTS = 3;
const INTROSPECTION_LIST_FIELDS = new Set(['types', 'fields', 'inputFields', 'interfaces', 'possibleTypes', 'enumValues', 'args', 'directives']);

/** Lists without a `first` argument are assumed to hold this many items when estimating cost. */
export const ASSUMED_LIST_SIZE = 10;

export function limitError(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT' } });
}

// ---------------------------------------------------------------------------------------------
// Tokens

/** Counts lexical tokens (comments aside, as graphql-js counts them), stopping once past `stopAfter`. */
export function countTokens(source: string, stopAfter = Infinity): number {
  const lexer = new Lexer(new Source(source));
  let count = 0;
  try {
    while (lexer.advance().kind !== TokenKind.EOF) {
      count += 1;
      if (count > stopAfter) break;
    }
  } catch {
    // A lexical error: the parser reports it properly.
  }
  return count;
}

export function tokenLimitError(limits: Pick<QueryLimits, 'maxTokens'>): GraphQLError {
  return limitError(`The document has more than ${limits.maxTokens} tokens, the limit; nothing was run.`);
}

// ---------------------------------------------------------------------------------------------
// Structure: depth, aliases, top-level fields

export interface OperationShape {
  /** Deepest ordinary field (1 = a top-level field). */
  depth: number;
  /** Deepest field inside `__schema` / `__type`. */
  introspectionDepth: number;
  /** Most introspection lists nested in one another. */
  introspectionLists: number;
  aliases: number;
  /** Distinct top-level response keys, `__typename` aside. */
  rootFields: number;
}

interface Measure {
  depth: number;
  introspectionDepth: number;
  introspectionLists: number;
  aliases: number;
}

const ZERO: Measure = { depth: 0, introspectionDepth: 0, introspectionLists: 0, aliases: 0 };

function fragmentsOf(document: DocumentNode): Map<string, FragmentDefinitionNode> {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  return fragments;
}

function merge(into: Measure, from: Measure): void {
  into.depth = Math.max(into.depth, from.depth);
  into.introspectionDepth = Math.max(into.introspectionDepth, from.introspectionDepth);
  into.introspectionLists = Math.max(into.introspectionLists, from.introspectionLists);
  into.aliases += from.aliases;
}

/** Measures selection sets relative to where they appear; fragments are measured once per context. */
class ShapeMeter {
  private readonly memo = new Map<string, Measure>();
  private readonly visiting = new Set<string>();

  constructor(private readonly fragments: Map<string, FragmentDefinitionNode>) {}

  measure(set: SelectionSetNode, inIntrospection: boolean): Measure {
    const total: Measure = { ...ZERO };
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        merge(total, this.field(selection, inIntrospection));
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        merge(total, this.measure(selection.selectionSet, inIntrospection));
      } else {
        merge(total, this.fragment(selection.name.value, inIntrospection));
      }
    }
    return total;
  }

  private field(node: FieldNode, inIntrospection: boolean): Measure {
    const name = node.name.value;
    const introspective = inIntrospection || name === '__schema' || name === '__type';
    const below = node.selectionSet ? this.measure(node.selectionSet, introspective) : ZERO;
    const result: Measure = { ...ZERO, aliases: below.aliases + (node.alias ? 1 : 0) };
    if (introspective) {
      result.introspectionDepth = 1 + below.introspectionDepth;
      result.introspectionLists = below.introspectionLists + (inIntrospection && INTROSPECTION_LIST_FIELDS.has(name) ? 1 : 0);
    } else {
      result.depth = 1 + below.depth;
      if (below.introspectionDepth > 0) result.introspectionDepth = 1 + below.introspectionDepth;
      result.introspectionLists = below.introspectionLists;
    }
    return result;
  }

  private fragment(name: string, inIntrospection: boolean): Measure {
    const key = `${inIntrospection ? 'i' : 'o'}:${name}`;
    const known = this.memo.get(key);
    if (known) return known;
    const definition = this.fragments.get(name);
    // Unknown and cyclic fragments are graphql-js validation errors; measure them as empty here.
    if (!definition || this.visiting.has(key)) return ZERO;
    this.visiting.add(key);
    const measured = this.measure(definition.selectionSet, inIntrospection);
    this.visiting.delete(key);
    this.memo.set(key, measured);
    return measured;
  }
}

/** Top-level response keys (alias or name) and the field each names, fragments expanded. */
export function rootFieldsOf(operation: OperationDefinitionNode, document: DocumentNode): Map<string, string> {
  const fragments = fragmentsOf(document);
  const keys = new Map<string, string>();
  const seen = new Set<string>();
  const walk = (set: SelectionSetNode) => {
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        if (selection.name.value === '__typename') continue;
        const key = selection.alias?.value ?? selection.name.value;
        if (!keys.has(key)) keys.set(key, selection.name.value);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        walk(selection.selectionSet);
      } else {
        const name = selection.name.value;
        const definition = fragments.get(name);
        if (!definition || seen.has(name)) continue;
        seen.add(name);
        walk(definition.selectionSet);
      }
    }
  };
  walk(operation.selectionSet);
  return keys;
}

export function measureOperation(operation: OperationDefinitionNode, document: DocumentNode): OperationShape {
  const measured = new ShapeMeter(fragmentsOf(document)).measure(operation.selectionSet, false);
  return { ...measured, rootFields: rootFieldsOf(operation, document).size };
}

function describe(operation: OperationDefinitionNode): string {
  return operation.name ? `Operation "${operation.name.value}"` : 'The operation';
}

/** The structural limits, for every operation in the document. Cheap: linear in the document. */
export function structuralLimitErrors(document: DocumentNode, limits: QueryLimits): GraphQLError[] {
  const errors: GraphQLError[] = [];
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
    const shape = measureOperation(definition, document);
    const what = describe(definition);
    if (shape.depth > limits.maxDepth) {
      errors.push(limitError(`${what} is nested ${shape.depth} levels deep; the limit is ${limits.maxDepth}.`));
    }
    if (shape.introspectionDepth > Math.max(MAX_INTROSPECTION_DEPTH, limits.maxDepth)) {
      errors.push(limitError(`${what} nests introspection ${shape.introspectionDepth} levels deep; the limit is ${MAX_INTROSPECTION_DEPTH}.`));
    }
    if (shape.introspectionLists > MAX_INTROSPECTION_LISTS) {
      errors.push(limitError(`${what} nests ${shape.introspectionLists} introspection lists; the limit is ${MAX_INTROSPECTION_LISTS}.`));
    }
    if (shape.aliases > limits.maxAliases) {
      errors.push(limitError(`${what} uses ${shape.aliases} aliases; the limit is ${limits.maxAliases}.`));
    }
    if (shape.rootFields > limits.maxRootFields) {
      errors.push(limitError(`${what} selects ${shape.rootFields} top-level fields; the limit is ${limits.maxRootFields}.`));
    }
  }
  return errors;
}

/**
 * The structural limits as a graphql-js validation rule, for validate() callers (Apollo's
 * validationRules, the WebSocket path). Both paths also run structuralLimitErrors before validating,
 * so that an oversized document never reaches the expensive specified rules.
 */
export function queryLimitsRule(limits: QueryLimits): ValidationRule {
  return (context: ValidationContext): ASTVisitor => ({
    Document(node) {
      for (const error of structuralLimitErrors(node, limits)) context.reportError(error);
      return false;
    },
  });
}

// ---------------------------------------------------------------------------------------------
// Cost

type Variables = Record<string, unknown> | null | undefined;

/**
 * An estimate of the work an operation asks for, known before it runs:
 *  - every field costs 1 (`__typename` and introspection cost nothing here: introspection has its
 *    own ceilings above and is off in production);
 *  - a field with a `first` argument (the Relay connections) multiplies the cost of the lists right
 *    under it (`edges`) by `first`, from the literal or the variables (default 20, at most 100:
 *    more is refused by the resolver anyway);
 *  - any other list multiplies what is selected under it by ASSUMED_LIST_SIZE (10).
 * So `payments(first: 100) { edges { node { pidx refunds { id } } } }` costs
 * 1 + 1 + 100 * (1 + 1 + (1 + 10 * 1)) = 1302.
 */
export function operationCost(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode, variables: Variables): number {
  const fragments = fragmentsOf(document);
  const memo = new Map<string, number>();
  const visiting = new Set<string>();
  const root = schema.getRootType(operation.operation);
  if (!root) return 0;

  const pageSizeOf = (field: FieldNode): number => {
    const argument = field.arguments?.find((arg) => arg.name.value === 'first');
    const value = argument ? intValue(argument.value, variables, operation) : null;
    if (value === null) return DEFAULT_PAGE_SIZE;
    return Math.min(Math.max(value, 1), MAX_PAGE_SIZE);
  };

  /** Cost of a selection set at multiplier 1; `page`: the page size for lists directly in it. */
  const costOf = (set: SelectionSetNode, parent: GraphQLNamedType, page: number | null): number => {
    let total = 0;
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        total += fieldCost(selection, parent, page);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const typed = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parent;
        total += costOf(selection.selectionSet, typed ?? parent, page);
      } else {
        const name = selection.name.value;
        const definition = fragments.get(name);
        const key = `${name}:${page ?? ''}`;
        if (!definition || visiting.has(key)) continue;
        let cost = memo.get(key);
        if (cost === undefined) {
          visiting.add(key);
          cost = costOf(definition.selectionSet, schema.getType(definition.typeCondition.name.value) ?? parent, page);
          visiting.delete(key);
          memo.set(key, cost);
        }
        total += cost;
      }
    }
    return total;
  };

  const fieldCost = (node: FieldNode, parent: GraphQLNamedType, page: number | null): number => {
    if (node.name.value.startsWith('__')) return 0;
    if (!isObjectType(parent) && !isInterfaceType(parent)) return 0;
    const definition: GraphQLField<unknown, unknown> | undefined = parent.getFields()[node.name.value];
    if (!definition) return 0;
    if (!node.selectionSet) return 1;
    const named = getNamedType(definition.type);
    if (!isCompositeType(named)) return 1;
    const isList = isListType(getNullableType(definition.type));
    const size = isList ? (page ?? ASSUMED_LIST_SIZE) : 1;
    const childPage = definition.args.some((arg) => arg.name === 'first') ? pageSizeOf(node) : null;
    return 1 + size * costOf(node.selectionSet, named, childPage);
  };

  return costOf(operation.selectionSet, root, null);
}

function intValue(node: ValueNode, variables: Variables, operation: OperationDefinitionNode): number | null {
  if (node.kind === Kind.INT) return Number.parseInt(node.value, 10);
  if (node.kind !== Kind.VARIABLE) return null;
  const name = node.name.value;
  const given = variables?.[name];
  if (typeof given === 'number' && Number.isFinite(given)) return Math.trunc(given);
  if (given !== undefined) return null;
  const fallback = operation.variableDefinitions?.find((definition) => definition.variable.name.value === name)?.defaultValue;
  return fallback?.kind === Kind.INT ? Number.parseInt(fallback.value, 10) : null;
}

/**
 * Whether operationCost can give another answer for other variables: only a page size (`first`)
 * given as a variable is read from them. When none is, an operation's cost is its document's alone.
 */
export function costReadsVariables(document: DocumentNode): boolean {
  let reads = false;
  visit(document, {
    Argument(node) {
      if (node.name.value !== 'first' || node.value.kind !== Kind.VARIABLE) return undefined;
      reads = true;
      return BREAK;
    },
  });
  return reads;
}

export function costLimitError(operation: OperationDefinitionNode, cost: number, limits: Pick<QueryLimits, 'maxCost'>): GraphQLError {
  return limitError(
    `${describe(operation)} has an estimated cost of ${cost}; the limit is ${limits.maxCost}. ` +
      'Ask for fewer fields, smaller pages (first) or fewer nested lists.',
  );
}
