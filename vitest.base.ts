import { defineConfig, type UserConfig } from 'vitest/config'

/**
 * Vitest for a package whose tests use the virtual loopback device: one
 * JACK server per run (started by the package's global setup), and test
 * files one at a time, since JACK would mix two streams' output into the
 * loopback.
 */
export function deviceTestConfig(globalSetup: string): UserConfig {
  return defineConfig({
    test: {
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      globalSetup: [globalSetup],
      fileParallelism: false,
      testTimeout: 30000,
      hookTimeout: 30000,
    },
  })
}
