import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    // web/src unit tests run here; the browser tests (web/e2e, *.e2e.ts) run with vitest.e2e.config.ts.
    exclude: ['node_modules/**', 'cdk.out/**', '.apollo/**', 'web/dist/**', 'web/e2e/**'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Logs of passing tests are noise; a failing test shows its own.
    silent: 'passed-only',
    env: { APOLLO_DYNAMO_TIMEOUT_MS: '20000', LOG_LEVEL: 'SILENT', POWERTOOLS_METRICS_DISABLED: 'true', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
