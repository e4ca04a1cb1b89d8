import { defineConfig } from 'vitest/config'

// No sound card involved: the tests use real libsndfile on real files in temp
// directories, so test files may run in parallel.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30000,
    hookTimeout: 30000,
  },
})
