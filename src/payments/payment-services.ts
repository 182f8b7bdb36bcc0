/** Everything the GraphQL resolvers and HTTP routes may call: built once, in src/app.ts. */
import type { AuditService } from './audit.service';
import type { BanksService } from './banks.service';
import type { InitiateService } from './initiate.service';
import type { PaymentEvents } from './payment-events';
import type { StatusChangeStreams } from './status-change-streams';
import type { PaymentStateService } from './payment-state.service';
import type { PaymentQueries } from './payment-queries';
import type { RefundService } from './refund.service';
import type { KhaltiClient } from '../khalti/khalti.client';
import type { PersonalDataService } from './personal-data.service';
import type { WebhookEndpointsService } from '../webhooks/webhook-endpoints.service';
import type { WebhookDeliveriesService } from '../webhooks/webhook-deliveries.service';

export interface PaymentServices {
  initiate: InitiateService;
  state: PaymentStateService;
  queries: PaymentQueries;
  refunds: RefundService;
  audit: AuditService;
  events: PaymentEvents;
  /** paymentStatusChanged: live changes of a payment, or a replay from the log after a cursor, then live. */
  statusChanges: StatusChangeStreams;
  banks: BanksService;
  /** Legacy (KPG-1) status by token, passed straight through. */
  legacyStatus: Pick<KhaltiClient, 'transactionStatus'>;
  /** For Khalti's client SDKs: returnUrl is the gateway's own /khalti/return, as registered with Khalti. */
  checkout: { environment: string; publicKey: string | null; returnUrl: string };
  /** erasePersonalData: removes the buyer's personal data from a payment and its refunds for good. */
  personalData: PersonalDataService;
  /** Webhook endpoints (admin): create, update, delete, list, rotate the secret. */
  webhookEndpoints: WebhookEndpointsService;
  /** webhookDeliveries, sendTestWebhook, redeliverWebhooks. */
  webhookDeliveries: WebhookDeliveriesService;
}
