/** Where GraphQL is served: HTTP POST and GET, and the subscription WebSocket. */
export const GRAPHQL_PATH = '/graphql';
