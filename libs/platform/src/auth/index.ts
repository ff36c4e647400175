export * from './auth.guard';
export * from './jwt';
