/**
 * No N+1 under the admin list: `payments(first: N) { edges { node { statusCursor refunds auditLog } } }` costs
 * the same number of database statements for 2 payments as for 20 (one batched read per list).
 */
import { ADMIN_KEY, startGateway, type TestGateway } from '../support/gateway';
import { REFUND } from '../support/operations';
import { completed } from '../support/payments';

const LIST = /* GraphQL */ `
  query ($first: Int) {
    payments(first: $first) {
      totalCount
      edges { node { pidx status statusCursor refunds { id amount state } auditLog { kind operation detail detailJson } } }
    }
  }
`;

describe('the admin payments list', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startGateway({ RATE_LIMIT_PER_MINUTE: '0', RATE_LIMIT_INITIATE_PER_MINUTE: '0', RATE_LIMIT_REFUND_PER_MINUTE: '0' });
    for (let i = 0; i < 20; i += 1) {
      const { pidx } = await completed(gateway);
      if (i % 2 === 0) await gateway.gql(REFUND, { input: { pidx, amount: 100 } }, ADMIN_KEY);
    }
  });
  afterAll(() => gateway.close());

  const statementsFor = async (first: number) => {
    const before = gateway.app.database.statementCount();
    const result = await gateway.gql(LIST, { first }, ADMIN_KEY);
    const after = gateway.app.database.statementCount();
    expect(result.errors).toBeUndefined();
    return { statements: after - before, nodes: result.data.payments.edges.map((edge: any) => edge.node) };
  };

  it('reads refunds, audit rows and status cursors of a whole page in one statement each, whatever the page size', async () => {
    const small = await statementsFor(2);
    const large = await statementsFor(20);
    expect(small.nodes).toHaveLength(2);
    expect(large.nodes).toHaveLength(20);
    // Each payment still gets its own rows.
    const refunded = large.nodes.filter((node: any) => node.refunds.length === 1);
    expect(refunded).toHaveLength(10);
    for (const node of large.nodes) expect(node.auditLog.some((row: any) => row.kind === 'status_change')).toBe(true);
    // detailJson is the detail as an object, not a string in a string.
    for (const row of large.nodes.flatMap((node: any) => node.auditLog)) {
      expect(row.detailJson).toEqual(row.detail === null ? null : JSON.parse(row.detail));
      if (row.detail !== null) expect(typeof row.detailJson).toBe('object');
    }
    // Each payment's cursor names its own latest change (its status as listed).
    expect(new Set(large.nodes.map((node: any) => node.statusCursor)).size).toBe(20);
    // The status feed's timer may read once or twice meanwhile; an N+1 would add 3 per payment.
    expect(large.statements - small.statements).toBeLessThanOrEqual(2);
  });
});
