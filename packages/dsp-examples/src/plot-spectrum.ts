// The spectrum maths the plot and scope examples share: a Hann window, one
// frame's magnitude spectrum in dBFS, a short-time Fourier transform (STFT),
// and a colour map for drawing decibels. The FFT itself is fft.js (a fast
// radix-4 real FFT in plain JS); this module wraps it in a small typed API
// so the examples never handle its untyped arrays directly.
import FFT from 'fft.js'

/** The quietest level the examples draw, in dBFS: what digital silence becomes. */
export const defaultFloorDb = -120

/**
 * A Hann window of `size` points (periodic, as for an STFT).
 * @example hann(1024) // Float32Array of 1024 weights, 0 at the ends, 1 in the middle
 */
export function hann(size: number): Float32Array {
  const window = new Float32Array(size)
  for (let k = 0; k < size; k++) window[k] = 0.5 - 0.5 * Math.cos((2 * Math.PI * k) / size)
  return window
}

/**
 * Magnitude spectra of frames of `size` samples (a power of two >= 4), in
 * dBFS: a full-scale sine at a bin's frequency reads 0 dBFS there, whatever
 * the window. Reuses its buffers, so one instance per thread.
 */
export class Spectrum {
  readonly size: number
  readonly bins: number
  readonly window: Float32Array
  readonly #fft: FFT
  readonly #input: Float64Array
  readonly #output: Float64Array
  // |X| of a full-scale sine under the window is sum(window) / 2: dividing by
  // it puts such a sine at 0 dB (1.0 in linear terms)
  readonly #scale: number

  constructor(size: number) {
    if (!Number.isInteger(size) || size < 4 || (size & (size - 1)) !== 0) {
      throw new RangeError(`Expected a power of two >= 4 for the FFT size, got ${size}`)
    }
    this.size = size
    this.bins = size / 2 + 1
    this.window = hann(size)
    this.#fft = new FFT(size)
    this.#input = new Float64Array(size)
    this.#output = new Float64Array(2 * size)
    this.#scale = 2 / this.window.reduce((sum, w) => sum + w, 0)
  }

  /** Frequency of bin `k` in Hz at `samplerate`. */
  binHz(k: number, samplerate: number): number {
    return (k * samplerate) / this.size
  }

  /**
   * The spectrum of `samples[start .. start + size)` (zeros past the end),
   * one sample every `stride` (the channel count, for interleaved frames),
   * as `bins` values in dBFS, clamped below at `floorDb`.
   */
  magnitudeDb(samples: ArrayLike<number>, options: { start?: number; stride?: number; floorDb?: number; out?: Float32Array } = {}): Float32Array {
    const { start = 0, stride = 1, floorDb = defaultFloorDb } = options
    const out = options.out ?? new Float32Array(this.bins)
    for (let k = 0; k < this.size; k++) {
      const index = (start + k) * stride
      this.#input[k] = index < samples.length ? (samples[index] ?? 0) * (this.window[k] ?? 0) : 0
    }
    // fft.js fills the first half of the complex output (re, im pairs); the
    // second half of a real signal's spectrum mirrors it and is not needed
    this.#fft.realTransform(this.#output, this.#input)
    const floor = 10 ** (floorDb / 20)
    for (let k = 0; k < this.bins; k++) {
      const re = this.#output[2 * k] ?? 0
      const im = this.#output[2 * k + 1] ?? 0
      const magnitude = Math.hypot(re, im) * this.#scale
      out[k] = 20 * Math.log10(Math.max(magnitude, floor))
    }
    return out
  }
}

/** What {@link stft} returns: one dBFS spectrum per hop. */
export interface Spectrogram {
  /** frames[t][k]: hop t, bin k, in dBFS */
  frames: Float32Array[]
  /** FFT size (samples per frame) */
  size: number
  /** samples between frame starts */
  hop: number
  /** frequency bins per frame: size / 2 + 1, from 0 Hz to samplerate / 2 */
  bins: number
}

/**
 * The short-time Fourier transform of one channel: Hann-windowed frames of
 * `size` samples every `hop` samples (default size / 4), as dBFS spectra.
 * `stride` picks one channel of interleaved frames (pass the channel count
 * and start from the channel's offset with `subarray`).
 */
export function stft(samples: ArrayLike<number>, options: { size?: number; hop?: number; stride?: number; floorDb?: number } = {}): Spectrogram {
  const { size = 1024, stride = 1, floorDb = defaultFloorDb } = options
  const hop = options.hop ?? size / 4
  const spectrum = new Spectrum(size)
  const length = Math.ceil(samples.length / stride)
  const frames: Float32Array[] = []
  // at least one frame, even for a signal shorter than the FFT
  for (let start = 0; start === 0 || start + size <= length; start += hop) {
    frames.push(spectrum.magnitudeDb(samples, { start, stride, floorDb }))
  }
  return { frames, size, hop, bins: spectrum.bins }
}

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
