export * from './newborn-rules';
export * from './newborn-checks';
