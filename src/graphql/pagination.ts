/** Relay-style paging arguments: opaque cursors, a bounded page size. */
import { gatewayError } from './errors';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

export function pageSize(first: number | null | undefined): number {
  if (first === null || first === undefined) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE_SIZE) {
    throw gatewayError('BAD_USER_INPUT', `first must be between 1 and ${MAX_PAGE_SIZE}.`);
  }
  return first;
}

export function encodeCursor(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** Decodes a cursor this gateway made; anything else is BAD_USER_INPUT naming the argument. */
export function decodeCursor<T>(cursor: string, isValid: (value: unknown) => value is T): T {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (isValid(value)) return value;
  } catch {
    // fall through
  }
  throw gatewayError('BAD_USER_INPUT', 'after is not a cursor from this connection.');
}

/**
 * A Relay connection from one page of rows: edges in order, pageInfo from the page and from
 * whether the caller came with a cursor.
 */
export function toConnection<Row, Edge extends { cursor: string }, Connection>(
  ConnectionType: new () => Connection,
  page: { rows: Row[]; hasNextPage: boolean; totalCount: number },
  after: string | null,
  edgeOf: (row: Row) => Edge,
): Connection {
  const edges = page.rows.map(edgeOf);
  return Object.assign(new ConnectionType() as object, {
    edges,
    totalCount: page.totalCount,
    pageInfo: {
      hasNextPage: page.hasNextPage,
      hasPreviousPage: Boolean(after),
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  }) as Connection;
}
