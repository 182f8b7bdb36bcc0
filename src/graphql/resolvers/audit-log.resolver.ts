import { Arg, Authorized, Ctx, ID, Int, Query, Resolver } from 'type-graphql';
import { ADMIN } from '../auth-checker';
import type { GatewayContext } from '../context';
import { toAuditEntry } from '../mappers';
import { decodeCursor, encodeCursor, pageSize, toConnection } from '../pagination';
import { AuditEntryConnection, AuditEntryEdge } from '../types';

const isAuditCursor = (value: unknown): value is { id: number } =>
  typeof value === 'object' && value !== null && Number.isSafeInteger((value as { id: unknown }).id);

@Resolver()
export class AuditLogResolver {
  @Authorized(ADMIN)
  @Query(() => AuditEntryConnection, { description: 'The append-only audit log, newest first, optionally for one payment. Admin only.' })
  async auditLog(
    @Arg('after', () => String, { nullable: true, description: 'endCursor of the previous page.' }) after: string | null,
    @Arg('first', () => Int, { nullable: true, description: 'Page size, 1 to 100 (default 20).' }) first: number | null,
    @Arg('pidx', () => ID, { nullable: true, description: 'Only entries about this payment.' }) pidx: string | null,
    @Ctx() { services }: GatewayContext,
  ): Promise<AuditEntryConnection> {
    const size = pageSize(first);
    const cursor = after ? decodeCursor(after, isAuditCursor) : undefined;
    const page = await services.audit.page({ pidx: pidx ?? undefined, afterId: cursor?.id, first: size });
    return toConnection(AuditEntryConnection, page, after, (row) =>
      Object.assign(new AuditEntryEdge(), { cursor: encodeCursor({ id: row.id }), node: toAuditEntry(row) }),
    );
  }
}
