/** Everything the GraphQL resolvers and HTTP routes may call: built once, in src/app.ts. */
import type { AuditService } from './audit.service';
import type { BanksService } from './banks.service';
import type { InitiateService } from './initiate.service';
import type { PaymentEvents } from './payment-events';
import type { PaymentStateService } from './payment-state.service';
import type { PaymentQueries } from './payment-queries';
import type { RefundService } from './refund.service';
import type { KhaltiClient } from '../khalti/khalti.client';
import type { PersonalDataService } from './personal-data.service';

export interface PaymentServices {
  initiate: InitiateService;
  state: PaymentStateService;
  queries: PaymentQueries;
  refunds: RefundService;
  audit: AuditService;
  events: PaymentEvents;
  banks: BanksService;
  /** Legacy (KPG-1) status by token, passed straight through. */
  legacyStatus: Pick<KhaltiClient, 'transactionStatus'>;
  checkout: { environment: string; publicKey: string | null };
  /** erasePersonalData (issue 7, point 9). */
  personalData: PersonalDataService;
}
