export * from './bootstrap';
export * from './config';
export * from './core.module';
export * from './health.controller';
export * from './http-errors';
export * from './logger';
export * from './service-messaging';
export * from './tokens';
