/**
 * The services that exchange messages, each a constant never renamed once shipped: queue names and
 * database schema names derive from them.
 */
export const Service = {
  INTAKE: 'intake',
  VERIFICATION: 'verification',
  PRODUCTION: 'production',
  DELIVERY: 'delivery',
} as const;
export type Service = (typeof Service)[keyof typeof Service];
export const SERVICES: readonly Service[] = Object.values(Service);

/** Each service owns the database schema of the same name. */
export const schemaOf = (service: Service): string => service;
