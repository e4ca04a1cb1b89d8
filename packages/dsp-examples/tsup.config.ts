import { defineConfig } from 'tsup'
import { baseConfig } from '../../tsup.base.js'

// Each example is a small program of its own: one ESM file per example in dist/.
export default defineConfig({
  ...baseConfig,
  entry: ['src/*.ts', '!src/**/*.test.ts', '!src/common.ts'],
  format: ['esm'],
  dts: false,
})
