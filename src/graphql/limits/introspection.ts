import { GraphQLError, type ASTVisitor, type ValidationContext, type ValidationRule } from 'graphql';

/**
 * Refuses `__schema` and `__type` (introspection) when GRAPHQL_INTROSPECTION is off, which is the
 * default in production. `__typename` stays allowed: clients need it and it reveals nothing.
 * Used on HTTP and WebSocket alike (Apollo's own rule would cover HTTP only, with a message
 * about Apollo).
 */
export const noIntrospectionRule: ValidationRule = (context: ValidationContext): ASTVisitor => ({
  Field(node) {
    const name = node.name.value;
    if (name === '__schema' || name === '__type') {
      context.reportError(
        new GraphQLError('Introspection is disabled on this gateway (GRAPHQL_INTROSPECTION).', {
          nodes: [node],
          extensions: { code: 'BAD_USER_INPUT' },
        }),
      );
    }
  },
});
