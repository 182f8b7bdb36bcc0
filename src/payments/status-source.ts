/** What led the gateway to observe a status change (the change itself always comes from a lookup). */
export const STATUS_SOURCES = ['INITIATE', 'LOOKUP', 'CALLBACK', 'RECONCILER', 'REFUND'] as const;
export type StatusSource = (typeof STATUS_SOURCES)[number];
