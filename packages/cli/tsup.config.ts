import { defineConfig } from 'tsup'
import { baseConfig } from '../../tsup.base.js'

// oclif loads each command from dist/commands/<id>.js; the library entry
// (index) exports the pure parsers. ESM only: bin/run.js imports it.
export default defineConfig({
  ...baseConfig,
  entry: ['src/index.ts', 'src/help.ts', 'src/commands/*.ts', '!src/**/*.test.ts'],
  format: ['esm'],
  dts: { entry: 'src/index.ts' },
})
