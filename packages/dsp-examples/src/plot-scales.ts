// The plot example's scales: the colour map its spectrogram and colour bar
// are drawn in, and round numbers for its axes' ticks. (The spectrum maths
// itself, window, FFT and STFT, is in spectrum.ts.)

// matplotlib's "magma": black through purple and orange to pale yellow.
// Its brightness rises steadily, so louder always looks brighter (also in
// grey scale, which the tests rely on).
const magmaStops: ReadonlyArray<readonly [number, number, number]> = [
  [0, 0, 4],
  [28, 16, 68],
  [79, 18, 123],
  [129, 37, 129],
  [181, 54, 122],
  [229, 80, 100],
  [251, 135, 97],
  [254, 194, 135],
  [252, 253, 191],
]

/**
 * The colour of `value` in [0, 1] (clamped) on the magma map, as [r, g, b]
 * bytes.
 */
export function magma(value: number): [number, number, number] {
  const position = Math.min(Math.max(value, 0), 1) * (magmaStops.length - 1)
  const index = Math.min(Math.floor(position), magmaStops.length - 2)
  const fraction = position - index
  const low = magmaStops[index] ?? [0, 0, 0]
  const high = magmaStops[index + 1] ?? low
  return [0, 1, 2].map((c) => Math.round((low[c] ?? 0) + ((high[c] ?? 0) - (low[c] ?? 0)) * fraction)) as [number, number, number]
}

/**
 * Round tick values between `low` and `high`: steps of 1, 2 or 5 times a
 * power of ten, about `count` of them.
 * @example niceTicks(0, 2.7, 6) // [0, 0.5, 1, 1.5, 2, 2.5]
 */
export function niceTicks(low: number, high: number, count: number): number[] {
  const span = high - low
  if (!(span > 0)) return [low]
  const rough = span / Math.max(count, 1)
  const power = 10 ** Math.floor(Math.log10(rough))
  const step = ([1, 2, 5, 10].find((m) => m * power >= rough) ?? 10) * power
  const ticks: number[] = []
  for (let value = Math.ceil(low / step) * step; value <= high + step * 1e-9; value += step) {
    // round away the floating-point crumbs (0.30000000000000004)
    ticks.push(Number(value.toPrecision(12)))
  }
  return ticks
}
