import type { Config } from 'jest';

// Tests live beside the code (src/**/*.test.ts). Unit tests need nothing; tests
// named *.int.test.ts need the engine, PostgreSQL and registry that
// scripts/test.sh prepares; *.e2e.test.ts drive the whole stack with the real CLI.
const config: Config = {
  testEnvironment: 'node',
  roots: ['<rootDir>/packages', '<rootDir>/test'],
  globalSetup: '<rootDir>/test/global-setup.ts',
  globalTeardown: '<rootDir>/test/global-teardown.ts',
  testMatch: ['**/src/**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
  moduleNameMapper: {
    '^@zun/(common|scheduler|compute|api|wsproxy|console|aio)$': '<rootDir>/packages/$1/src',
  },
  testTimeout: 120_000,
  maxWorkers: 2,
  testSequencer: '<rootDir>/test/sequencer.mjs',
};
export default config;
