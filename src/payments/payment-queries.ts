/** Reading payments for the admin list: keyset pages, newest first. */
import type { PaymentsRepository } from '../db/payments.repository';
import type { PaymentRow } from '../db/schema';
import type { PaymentStatus } from './payment-status';

export interface PaymentPage {
  rows: PaymentRow[];
  hasNextPage: boolean;
  totalCount: number;
}

export class PaymentQueries {
  constructor(private readonly payments: PaymentsRepository) {}

  page(options: { status?: PaymentStatus; after?: { createdAt: Date; pidx: string }; first: number }): PaymentPage {
    const statuses = options.status ? [options.status] : undefined;
    const rows = this.payments.page({ statuses, before: options.after, limit: options.first + 1 });
    return { rows: rows.slice(0, options.first), hasNextPage: rows.length > options.first, totalCount: this.payments.count(statuses) };
  }
}
