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
  // jose, @middy and openid-client (with oauth4webapi) ship ESM only; Jest runs CommonJS, so they
  // are transformed too.
  transformIgnorePatterns: ['/node_modules/(?!(jose|@middy|openid-client|oauth4webapi)/)'],
  setupFilesAfterEnv: ['aws-cdk-lib/testhelpers/jest-autoclean'],
  testTimeout: 30_000,
};
