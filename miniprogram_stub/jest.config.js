// Unit tests (tests/unit) use a mocked `wx`; end-to-end tests (tests/e2e) bridge `wx` to the real
// backend, which tests/support/global-setup.js starts on a free local port against a fresh embedded
// PostgreSQL (LINLI_E2E=off skips that, and the e2e tests with it).
module.exports = {
  testEnvironment: 'jsdom',
  roots: ['<rootDir>/tests'],
  testMatch: ['**/*.test.js'],
  testPathIgnorePatterns: process.env.LINLI_E2E === 'off' ? ['/node_modules/', '/tests/e2e/'] : ['/node_modules/'],
  globalSetup: '<rootDir>/tests/support/global-setup.js',
  globalTeardown: '<rootDir>/tests/support/global-teardown.js',
  testTimeout: 30000,
  maxWorkers: 2,
}
