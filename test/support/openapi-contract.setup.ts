import { contractFetch, violations } from './openapi-contract';

// Every test file: the answers of the nodes under test are checked against their OpenAPI
// document (see openapi-contract.ts). A violation fails the call that received it, and the test
// in afterEach even if the test caught the error.
globalThis.fetch = contractFetch;

afterEach(() => {
  if (violations.length === 0) return;
  const seen = violations.splice(0);
  throw new Error(`${seen.length} response(s) broke the OpenAPI document:\n${seen.join('\n')}`);
});
