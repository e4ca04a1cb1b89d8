import { defineConfig } from 'tsup'
import { baseConfig } from '../../tsup.base.js'

// Each example is a small program of its own: one ESM file per example in
// dist/, plus the Worker module worker-fx loads by URL (worker-fx-filter).
// The shared modules (common, dsp, playback, spectrum, plot-scales,
// scope-page, worker-fx-shared) are no entries: they are bundled into the
// examples that use them.
export default defineConfig({
  ...baseConfig,
  entry: ['src/stft.ts', 'src/scope.ts', 'src/plot.ts', 'src/tone.ts', 'src/meter.ts', 'src/worker-fx.ts', 'src/worker-fx-filter.ts'],
  format: ['esm'],
  dts: false,
})
