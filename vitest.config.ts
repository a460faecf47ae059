import { configDefaults, defineConfig } from 'vitest/config';

// Two projects so that the Kafka broker is started only when Kafka tests are selected: vitest
// runs a project's globalSetup only when that project has tests to run.
export default defineConfig({
  test: {
    testTimeout: 60_000,
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: {
          name: 'main',
          include: ['test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, 'test/integration/kafka/**'],
        },
      },
      {
        extends: true,
        test: {
          name: 'kafka',
          include: ['test/integration/kafka/**/*.test.ts'],
          globalSetup: ['test/setup/kafka-broker.ts'],
          // Broker start-up (first time: Maven resolves the jars) happens before any test.
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
