import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'training/**/*.test.ts', 'web/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Integration tests start real servers, dcmtk peers and Chromium; two cores are all we have.
    maxWorkers: 2,
    minWorkers: 1,
  },
});
