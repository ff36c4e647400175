import type { Service } from '@app/contracts';

/** Injection tokens for the process-wide pieces every app uses. */
export const APP_CONFIG = Symbol('APP_CONFIG');
export const KEYRING = Symbol('KEYRING');
/** The services whose queues this node consumes, and the provinces it serves. */
export const HOSTED = Symbol('HOSTED');

export interface HostedServices {
  services: { service: Service }[];
  provinces: readonly string[];
}
