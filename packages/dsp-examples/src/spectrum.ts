// A typed wrapper around fft.js (whose own declarations are all `any`):
// the windowed magnitude spectrum of one block of real samples, and the
// dominant frequency in it. Used by stft.ts and the tone tests.
import FFT from 'fft.js'

/** A periodic Hann window of `size` points (the right one for overlapping STFT frames: 50% overlap sums to a constant). */
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

/** Magnitude spectra of fixed-size blocks, with a Hann window; reuses its buffers. */
export class Spectrum {
  readonly size: number
  readonly samplerate: number
  readonly #fft: FFT
  readonly #window: Float64Array
  readonly #input: number[]
  readonly #output: number[]
  /** magnitudes of bins 0..size/2, refreshed by {@link analyse} */
  readonly magnitudes: Float64Array

  /** @param size a power of two >= 4 (fft.js needs it) */
  constructor(size: number, samplerate: number) {
    if (!Number.isInteger(size) || size < 4 || (size & (size - 1)) !== 0) {
      throw new RangeError(`Expected a power of two >= 4 for the FFT size, got ${size}`)
    }
    this.size = size
    this.samplerate = samplerate
    this.#fft = new FFT(size)
    this.#window = hann(size)
    this.#input = new Array<number>(size).fill(0)
    this.#output = this.#fft.createComplexArray() as number[]
    this.magnitudes = new Float64Array(size / 2 + 1)
  }

  /** Width of one bin in Hz. */
  get binWidth(): number {
    return this.samplerate / this.size
  }

  /**
   * Windows and transforms `size` frames of one channel of interleaved
   * samples (`channels` per frame; all channels averaged when `channel` is
   * -1), filling {@link magnitudes}.
   */
  analyse(samples: ArrayLike<number>, channels = 1, channel = 0): Float64Array {
    const { size } = this
    for (let i = 0; i < size; i++) {
      let v = 0
      if (channel >= 0) v = samples[i * channels + channel] ?? 0
      else {
        for (let c = 0; c < channels; c++) v += samples[i * channels + c] ?? 0
        v /= channels
      }
      this.#input[i] = v * (this.#window[i] as number)
    }
    // realTransform fills the first half of the complex output (re, im pairs)
    this.#fft.realTransform(this.#output, this.#input)
    for (let k = 0; k <= size / 2; k++) {
      const re = this.#output[2 * k] ?? 0
      const im = this.#output[2 * k + 1] ?? 0
      this.magnitudes[k] = Math.hypot(re, im)
    }
    return this.magnitudes
  }

  /**
   * The largest peak of the last {@link analyse} above DC, or undefined for
   * silence. A sine of amplitude A, Hann-windowed, peaks at A * size / 4;
   * between bins, a parabola through the log magnitudes of the peak bin and
   * its neighbours finds the true frequency to a small fraction of a bin.
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
}
