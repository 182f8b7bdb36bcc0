import { Field, Int, ObjectType } from 'type-graphql';
import { AuditEntry } from './audit-entry.type';
import { Payment } from './payment.type';

@ObjectType('PageInfo', { description: 'Relay-style pagination state of a connection.' })
export class PageInfo {
  @Field(() => Boolean, { description: 'More items follow: pass `endCursor` as `after` to get the next page.' })
  hasNextPage!: boolean;

  @Field(() => Boolean, { description: 'Items precede this page.' })
  hasPreviousPage!: boolean;

  @Field(() => String, { nullable: true, description: 'Cursor of the first edge; null when the page is empty.' })
  startCursor!: string | null;

  @Field(() => String, { nullable: true, description: 'Cursor of the last edge; null when the page is empty.' })
  endCursor!: string | null;
}

@ObjectType('PaymentEdge', { description: 'A payment in a page of payments.' })
export class PaymentEdge {
  @Field(() => String, { description: 'Opaque cursor of this payment: pass it as `after` to continue after it.' })
  cursor!: string;

  @Field(() => Payment, { description: 'The payment.' })
  node!: Payment;
}

@ObjectType('PaymentConnection', { description: 'A page of payments (Relay-style connection). Admin only.' })
export class PaymentConnection {
  @Field(() => [PaymentEdge], { description: 'The payments on this page.' })
  edges!: PaymentEdge[];

  @Field(() => PageInfo, { description: 'Where this page stands and how to get the next one.' })
  pageInfo!: PageInfo;

  @Field(() => Int, { description: 'Number of payments matching the filter, across all pages.' })
  totalCount!: number;
}

@ObjectType('AuditEntryEdge', { description: 'An audit log entry in a page of entries.' })
export class AuditEntryEdge {
  @Field(() => String, { description: 'Opaque cursor of this entry: pass it as `after` to continue after it.' })
  cursor!: string;

  @Field(() => AuditEntry, { description: 'The audit log entry.' })
  node!: AuditEntry;
}

@ObjectType('AuditEntryConnection', {
  description: 'A page of audit log entries (Relay-style connection). Admin only.',
})
export class AuditEntryConnection {
  @Field(() => [AuditEntryEdge], { description: 'The entries on this page.' })
  edges!: AuditEntryEdge[];

  @Field(() => PageInfo, { description: 'Where this page stands and how to get the next one.' })
  pageInfo!: PageInfo;

  @Field(() => Int, { description: 'Number of entries matching the filter, across all pages.' })
  totalCount!: number;
}
