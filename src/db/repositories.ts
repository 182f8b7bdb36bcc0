/** The repositories over one executor: a transaction's, or the database's for reads outside one. */
import { AuditRepository } from './audit.repository';
import type { Executor } from './executor';
import { InitiationsRepository } from './initiations.repository';
import { PaymentsRepository } from './payments.repository';
import { PersonalDataRepository } from './personal-data.repository';
import { RefundsRepository } from './refunds.repository';
import { WebhookDeliveriesRepository } from './webhook-deliveries.repository';
import { WebhookEndpointsRepository } from './webhook-endpoints.repository';
import { WebhookOutboxRepository } from './webhook-outbox.repository';

export interface Repositories {
  readonly payments: PaymentsRepository;
  readonly refunds: RefundsRepository;
  readonly initiations: InitiationsRepository;
  readonly audit: AuditRepository;
  readonly personalData: PersonalDataRepository;
  readonly webhookEndpoints: WebhookEndpointsRepository;
  readonly webhookOutbox: WebhookOutboxRepository;
  readonly webhookDeliveries: WebhookDeliveriesRepository;
}

export function repositoriesOver(executor: Executor): Repositories {
  return {
    payments: new PaymentsRepository(executor),
    refunds: new RefundsRepository(executor),
    initiations: new InitiationsRepository(executor),
    audit: new AuditRepository(executor),
    personalData: new PersonalDataRepository(executor),
    webhookEndpoints: new WebhookEndpointsRepository(executor),
    webhookOutbox: new WebhookOutboxRepository(executor),
    webhookDeliveries: new WebhookDeliveriesRepository(executor),
  };
}
