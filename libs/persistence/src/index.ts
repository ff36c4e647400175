export * from './database';
export * from './naming-strategy';
export * from './unavailable';
export * from './one-statement';
export * from './entity-of-row';
export * from './pipelined-transaction';
export * from './entity-writes';
