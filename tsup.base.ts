import type { Options } from 'tsup'

/** One tsup base for every package: ESM + CJS + type declarations, Node 20. */
export const baseConfig: Options = {
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  platform: 'node',
  splitting: false,
  shims: true,
}
