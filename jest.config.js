// One jest run for the whole monorepo: unit specs beside the code (libs/, apps/),
// integration and e2e specs in test/. All of them use the real PostgreSQL and Redis
// from the environment (see test/support), never mocks of them.
// Two projects: `single` runs everything against one Redis; `redis-cluster` runs the messaging
// suite again against a private three-master Redis Cluster that its global setup starts.
const project = {
  rootDir: '.',
  roots: ['<rootDir>/apps', '<rootDir>/libs', '<rootDir>/test'],
  testMatch: ['**/*.spec.ts', '**/*.e2e-spec.ts'],
  transform: {
    '^.+\\.(ts|js)$': [
      '@swc/jest',
      {
        jsc: {
          target: 'es2022',
          parser: { syntax: 'typescript', decorators: true },
          transform: { legacyDecorator: true, decoratorMetadata: true },
        },
        module: { type: 'commonjs' },
      },
    ],
  },
  // ESM-only packages (jose 6, @noble/* 2) are transformed to CommonJS like our sources.
  transformIgnorePatterns: ['/node_modules/(?!(jose|@noble)/)'],
  moduleFileExtensions: ['ts', 'js', 'json'],
  moduleNameMapper: {
    '^@app/(domain|workflow|contracts|messaging|persistence|platform|fixtures)$':
      '<rootDir>/libs/$1/src',
    '^@app/(domain|workflow|contracts|messaging|persistence|platform|fixtures)/(.*)$':
      '<rootDir>/libs/$1/src/$2',
  },
  testEnvironment: 'node',
  // Every HTTP answer a test receives from a node is checked against the node's OpenAPI document.
  setupFilesAfterEnv: ['<rootDir>/test/support/openapi-contract.setup.ts'],
};

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    { ...project, displayName: 'single' },
    {
      ...project,
      displayName: 'redis-cluster',
      roots: ['<rootDir>/test/messaging'],
      globals: { TEST_REDIS_TOPOLOGY: 'cluster' },
      globalSetup: '<rootDir>/test/support/redis-cluster.setup.ts',
      globalTeardown: '<rootDir>/test/support/redis-cluster.teardown.ts',
    },
  ],
  testTimeout: 60000,
  maxWorkers: 2,
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
};
