/** Injection tokens for the process-wide pieces every app uses. */
export const APP_CONFIG = Symbol('APP_CONFIG');
export const KEYRING = Symbol('KEYRING');
