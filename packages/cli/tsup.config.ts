import { defineConfig } from 'tsup'
import { baseConfig } from '../../tsup.base.js'

// oclif loads each command from dist/commands/<id>.js; the library entry
// (index) exports the pure parsers; fast-start answers --version and -l
// without oclif. ESM only: bin/run.js imports them.
export default defineConfig({
  ...baseConfig,
  entry: ['src/index.ts', 'src/help.ts', 'src/fast-start.ts', 'src/commands/*.ts', '!src/**/*.test.ts'],
  format: ['esm'],
  dts: { entry: 'src/index.ts' },
})
