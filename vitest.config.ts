import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts', 'machines/**/*.test.ts', 'src/**/*.test.ts', 'sim/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Bots started by tests trade at any hour: the flat-by time and trading window are tested with
    // explicit times (tests/runtime, tests/domain), never by the wall clock of the test run.
    env: { VALUEAREA_SETTINGS: '{"flatByTime":"","tradingWindowStart":"","tradingWindowEnd":""}' },
    reporters: ['default'],
  },
});
