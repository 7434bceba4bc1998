// Shared jest settings. TypeScript goes through SWC (no type checking here: `typecheck` does that),
// and `@core/*` imports resolve to sources through the `@core/source` export condition, so tests
// never need a prior build.
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  testEnvironmentOptions: {
    customExportConditions: ['@core/source', 'node', 'require', 'default'],
  },
  transform: {
    '^.+\\.(t|j)sx?$': [
      '@swc/jest',
      {
        jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
        module: { type: 'commonjs' },
      },
    ],
  },
  moduleFileExtensions: ['ts', 'js', 'cjs', 'mjs', 'json'],
  testMatch: ['<rootDir>/tests/**/*.test.ts', '<rootDir>/src/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  // ESM-only dependencies (ml-kmeans and its ml-* helpers, used by @core/vector) go through SWC too.
  transformIgnorePatterns: ['/node_modules/(?!(ml-[a-z-]+|is-any-array|cheminfo-types|fft\\.js|spline-interpolator|d3-array|internmap)/)'],
  testTimeout: 30_000,
  // Real services and child processes: a handle a test forgot to close must fail the run, not hang it.
  // `detectOpenHandles` would slow every test and still wait; tools/testing/bin/jest-exit-guard.mjs (the
  // packages' `test` script) kills a run that does not exit after its results are written, and fails it.
  forceExit: false,
  detectOpenHandles: false,
  // Jest's own JSON results (counted by .ci/run) land in <project>/reports/jest.json.
  reporters: ['default'],
};
