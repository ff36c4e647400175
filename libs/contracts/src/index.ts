export * from './catalog';
export * from './services';
export * from './asyncapi';
