export * from './catalog';
export * from './services';
export * from './asyncapi';
export * from './newborn';
export * from './stats';
