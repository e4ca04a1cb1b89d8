// The spectrum maths the examples share, a typed wrapper around fft.js (a
// fast radix-4 real FFT in plain JS, whose own declarations are all `any`):
// a Hann window, one block's magnitude spectrum (linear, or in dBFS), its
// dominant frequency, and a short-time Fourier transform (STFT). stft.ts
// prints peaks, scope.ts sends dBFS spectra to its page, plot.ts draws an
// STFT; the tone tests measure with it too.
import FFT from 'fft.js'
import { isPowerOfTwo } from '@pastream/stream'

/** The quietest level the examples draw, in dBFS: what digital silence becomes. */
export const defaultFloorDb = -120

/**
 * A periodic Hann window of `size` points (the right one for overlapping
 * STFT frames: 50% overlap sums to a constant).
 * @example hann(1024) // 1024 weights, 0 at the start, 1 in the middle
 */
export function hann(size: number): Float64Array {
  const w = new Float64Array(size)
  for (let i = 0; i < size; i++) w[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / size)
  return w
}

/** The dominant frequency of a block: where the largest spectral peak is, and how strong it is. */
export interface Peak {
  /** Hz, refined between bins (parabolic interpolation of the log magnitudes) */
  frequency: number
  /** the bin of the largest magnitude (0 = DC) */
  bin: number
  /** the sine amplitude this peak means, in dBFS (corrected for the window's gain) */
  level: number
}

/**
 * Magnitude spectra of blocks of `size` samples (a power of two >= 4), with
 * a Hann window. Reuses its buffers, so one instance per thread.
 */
export class Spectrum {
  readonly size: number
  readonly samplerate: number
  /** frequency bins: size / 2 + 1, from 0 Hz to samplerate / 2 */
  readonly bins: number
  readonly window: Float64Array
  /** magnitudes of bins 0..size/2 of the last block, refreshed by {@link analyse} and {@link magnitudeDb} */
  readonly magnitudes: Float64Array
  readonly #fft: FFT
  readonly #input: Float64Array
  readonly #output: Float64Array
  // |X| of a full-scale sine under the window is sum(window) / 2 (size / 4
  // for Hann): dividing by it puts such a sine at 1.0, 0 dBFS
  readonly #scale: number

  constructor(size: number, samplerate: number) {
    if (!Number.isInteger(size) || size < 4 || !isPowerOfTwo(size)) {
      throw new RangeError(`Expected a power of two >= 4 for the FFT size, got ${size}`)
    }
    this.size = size
    this.samplerate = samplerate
    this.bins = size / 2 + 1
    this.window = hann(size)
    this.magnitudes = new Float64Array(this.bins)
    this.#fft = new FFT(size)
    this.#input = new Float64Array(size)
    this.#output = new Float64Array(2 * size)
    this.#scale = 2 / this.window.reduce((sum, w) => sum + w, 0)
  }

  /** Width of one bin in Hz. */
  get binWidth(): number {
    return this.samplerate / this.size
  }

  /** Frequency of bin `k` in Hz. */
  binHz(k: number): number {
    return k * this.binWidth
  }

  /**
   * Windows and transforms `size` frames of one channel of interleaved
   * samples (`channels` per frame; all channels averaged when `channel` is
   * -1), filling {@link magnitudes} (linear, unscaled).
   */
  analyse(samples: ArrayLike<number>, channels = 1, channel = 0): Float64Array {
    for (let i = 0; i < this.size; i++) {
      let v = 0
      if (channel >= 0) v = samples[i * channels + channel] ?? 0
      else {
        for (let c = 0; c < channels; c++) v += samples[i * channels + c] ?? 0
        v /= channels
      }
      this.#input[i] = v * (this.window[i] as number)
    }
    return this.#transform()
  }

  /**
   * The spectrum of `samples[start .. start + size)` (zeros past the end),
   * one sample every `stride` (the channel count, for interleaved frames),
   * as `bins` values in dBFS, clamped below at `floorDb`: a full-scale sine
   * at a bin's frequency reads 0 dBFS there.
   */
  magnitudeDb(samples: ArrayLike<number>, options: { start?: number; stride?: number; floorDb?: number; out?: Float32Array } = {}): Float32Array {
    const { start = 0, stride = 1, floorDb = defaultFloorDb } = options
    const out = options.out ?? new Float32Array(this.bins)
    for (let k = 0; k < this.size; k++) {
      const index = (start + k) * stride
      this.#input[k] = index < samples.length ? (samples[index] ?? 0) * (this.window[k] as number) : 0
    }
    const magnitudes = this.#transform()
    const floor = 10 ** (floorDb / 20)
    for (let k = 0; k < this.bins; k++) out[k] = 20 * Math.log10(Math.max((magnitudes[k] as number) * this.#scale, floor))
    return out
  }

  /**
   * The largest peak of the last block above DC, or undefined for silence.
   * A sine of amplitude A, Hann-windowed, peaks at A * size / 4; between
   * bins, a parabola through the log magnitudes of the peak bin and its
   * neighbours finds the true frequency to a small fraction of a bin.
   */
  peak(): Peak | undefined {
    const m = this.magnitudes
    let bin = 1
    for (let k = 2; k < m.length; k++) if ((m[k] as number) > (m[bin] as number)) bin = k
    const top = m[bin] as number
    if (!(top > 1e-9 * this.size)) return undefined
    let shift = 0
    let height = Math.log(top)
    if (bin > 0 && bin < m.length - 1) {
      const a = Math.log(Math.max(m[bin - 1] as number, 1e-30))
      const b = height
      const c = Math.log(Math.max(m[bin + 1] as number, 1e-30))
      const denominator = a - 2 * b + c
      if (denominator < 0) {
        shift = (0.5 * (a - c)) / denominator
        height = b - 0.25 * (a - c) * shift
      }
    }
    const amplitude = (Math.exp(height) * 4) / this.size
    return { frequency: (bin + shift) * this.binWidth, bin, level: 20 * Math.log10(amplitude) }
  }

  /** The FFT of the windowed input into {@link magnitudes}. */
  #transform(): Float64Array {
    // realTransform fills the first half of the complex output (re, im
    // pairs); the second half of a real signal's spectrum mirrors it
    this.#fft.realTransform(this.#output, this.#input)
    for (let k = 0; k < this.bins; k++) {
      const re = this.#output[2 * k] ?? 0
      const im = this.#output[2 * k + 1] ?? 0
      this.magnitudes[k] = Math.hypot(re, im)
    }
    return this.magnitudes
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
export function stft(samples: ArrayLike<number>, samplerate: number, options: { size?: number; hop?: number; stride?: number; floorDb?: number } = {}): Spectrogram {
  const { size = 1024, stride = 1, floorDb = defaultFloorDb } = options
  const hop = options.hop ?? size / 4
  const spectrum = new Spectrum(size, samplerate)
  const length = Math.ceil(samples.length / stride)
  const frames: Float32Array[] = []
  // at least one frame, even for a signal shorter than the FFT
  for (let start = 0; start === 0 || start + size <= length; start += hop) {
    frames.push(spectrum.magnitudeDb(samples, { start, stride, floorDb }))
  }
  return { frames, size, hop, bins: spectrum.bins }
}
