import { defineConfig } from 'tsup'
import { baseConfig } from '../../tsup.base.js'

// Each example is a small program of its own: one ESM file per example in dist/
// (a Worker module such as worker-fx-filter.ts is an entry too: the example
// loads it by URL). Shared helpers are bundled into the examples that use them.
export default defineConfig({
  ...baseConfig,
  entry: ['src/*.ts', '!src/**/*.test.ts', '!src/**/*.d.ts', '!src/common.ts', '!src/dsp.ts', '!src/spectrum.ts', '!src/worker-fx-shared.ts'],
  format: ['esm'],
  dts: false,
})
