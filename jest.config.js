/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.(t|j)sx?$': [
      '@swc/jest',
      { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } },
    ],
  },
  // jose, @middy, openid-client (with oauth4webapi) and oidc-provider ship ESM only; Jest runs
  // CommonJS, so they are transformed too.
  transformIgnorePatterns: [
    '/node_modules/(?!(jose|@middy|openid-client|oauth4webapi|oidc-provider)/)',
  ],
  setupFilesAfterEnv: ['aws-cdk-lib/testhelpers/jest-autoclean'],
  globalSetup: '<rootDir>/test/global-setup.ts',
  testTimeout: 30_000,
};
