export * from './catalog';
export * from './services';
