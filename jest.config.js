// One jest run for the whole monorepo: unit specs beside the code (libs/, apps/),
// integration and e2e specs in test/. All of them use the real PostgreSQL and Redis
// from the environment (see test/support), never mocks of them.
// Two projects: `single` runs everything against one Redis; `redis-cluster` runs the messaging
// suite and the end-to-end suites again with the exchange on a private three-master Redis Cluster
// that its global setup starts (nodes configured with REDIS_CLUSTER_NODES, as in a deployment).
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
      roots: ['<rootDir>/test'],
      testMatch: ['<rootDir>/test/messaging/**/*.spec.ts', '<rootDir>/test/**/*.e2e-spec.ts'],
      // Not run again on the cluster (unit specs in apps/ and libs/ and test/protocol are not
      // matched at all: they use no Redis):
      testPathIgnorePatterns: [
        '/node_modules/',
        // already on a Redis Cluster of their own, with a PostgreSQL server per province
        '<rootDir>/test/national/',
        // the benchmark measures one configuration; running it twice measures nothing new
        '<rootDir>/test/bench/',
        // start and kill a private single Redis (and PostgreSQL) server of their own
        '<rootDir>/test/platform/dependencies\\.e2e-spec\\.ts$',
        // PostgreSQL only, no Redis
        '<rootDir>/test/persistence/',
        '<rootDir>/test/verification/registry-import\\.e2e-spec\\.ts$',
      ],
      globals: { TEST_REDIS_TOPOLOGY: 'cluster' },
      globalSetup: '<rootDir>/test/support/redis-cluster.setup.ts',
      globalTeardown: '<rootDir>/test/support/redis-cluster.teardown.ts',
    },
  ],
  testTimeout: 60000,
  maxWorkers: 2,
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
};
