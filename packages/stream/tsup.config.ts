import { defineConfig } from 'tsup'
import { baseConfig } from '../../tsup.base.js'

export default defineConfig([
  { ...baseConfig, entry: ['src/index.ts', 'src/testing.ts'], clean: false },
  // the Worker entry: plain ESM (top-level await), loaded by URL from either build
  { ...baseConfig, entry: ['src/worker-runner.js'], format: ['esm'], dts: false, clean: false, external: ['@pastream/core-native'] },
])
