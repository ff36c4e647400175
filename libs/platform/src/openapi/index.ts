export * from './api-errors';
export * from './document';
export * from './error-body.dto';
