export * from './connection';
export * from './schema';
export { AuditRepository } from './audit.repository';
export { PaymentsRepository } from './payments.repository';
export { RefundsRepository } from './refunds.repository';
export { InitiationsRepository } from './initiations.repository';
