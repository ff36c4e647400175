export * from './http-metrics.interceptor';
export * from './metrics';
export * from './metrics.controller';
