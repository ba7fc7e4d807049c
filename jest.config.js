/** @type {import('jest').Config} */
const swc = [
  '@swc/jest',
  {
    jsc: {
      target: 'es2023',
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      keepClassNames: true,
    },
    module: { type: 'commonjs' },
  },
];

const shared = {
  transform: { '^.+\\.(t|j)s$': swc },
  // Nest 12 and some of @fastify/static's dependencies ship ES modules only: compile them too.
  transformIgnorePatterns: [
    '^(?!.*/node_modules/(@nestjs|glob|path-scurry|minimatch|lru-cache|minipass|content-disposition|jose)/).*/node_modules/',
  ],
  moduleFileExtensions: ['ts', 'js', 'json'],
  moduleNameMapper: {
    '^nestjs-jwt-revocation$': '<rootDir>/libs/jwt-revocation/src/index.ts',
    '^nestjs-jwt-revocation/(.*)$': '<rootDir>/libs/jwt-revocation/src/$1/index.ts',
  },
  testEnvironment: 'node',
};

module.exports = {
  testTimeout: 30000,
  projects: [
    {
      ...shared,
      displayName: 'unit',
      testMatch: ['<rootDir>/libs/**/*.spec.ts', '<rootDir>/apps/**/*.spec.ts'],
    },
    {
      ...shared,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
      // One packed tarball and one install per Nest major, shared by the consumer-app suites.
      globalSetup: '<rootDir>/test/support/consumer-apps.setup.ts',
      globalTeardown: '<rootDir>/test/support/consumer-apps.teardown.ts',
    },
  ],
};
