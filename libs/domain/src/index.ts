export * from './errors';
export * from './dates';
export * from './divisions';
export * from './citizen-id';
export * from './validity';
export * from './time-limits';
export * from './eligibility';
export * from './fees';
export { DataValidator } from './data-validator';
