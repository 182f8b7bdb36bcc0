/** Reading payments for the admin list: keyset pages, newest first. */
import type { Database } from '../db/database';
import type { PaymentRow } from '../db/schema';
import type { PaymentStatus } from './payment-status';

export interface PaymentPage {
  rows: PaymentRow[];
  hasNextPage: boolean;
  totalCount: number;
}

export class PaymentQueries {
  constructor(private readonly db: Database) {}

  async page(options: { status?: PaymentStatus; after?: { createdAt: Date; pidx: string }; first: number }): Promise<PaymentPage> {
    const statuses = options.status ? [options.status] : undefined;
    const [rows, totalCount] = await Promise.all([
      this.db.read.payments.page({ statuses, before: options.after, limit: options.first + 1 }),
      this.db.read.payments.count(statuses),
    ]);
    return { rows: rows.slice(0, options.first), hasNextPage: rows.length > options.first, totalCount };
  }
}
