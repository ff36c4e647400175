export * from './pilot-schedule';
export * from './eligibility';
