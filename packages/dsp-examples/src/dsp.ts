// Small DSP pieces the tone, stft, meter and worker-fx examples share:
// decibels, a seeded random generator, the test signals, and an RBJ biquad.
// Plain arithmetic on Float32Arrays of interleaved frames, the layout
// pastream's streams and sound files use (frame i, channel c at
// [i * channels + c]). Their command-line helpers are in common.ts.
import { prng } from '@pastream/stream/testing'

/** Amplitude (1 = full scale) to dBFS; silence is -Infinity. */
export function toDbfs(amplitude: number): number {
  return 20 * Math.log10(amplitude)
}

/** dBFS to amplitude. */
export function fromDbfs(dbfs: number): number {
  return 10 ** (dbfs / 20)
}

/** A dB value for printing: two decimals, `-inf` for silence. */
export function formatDb(db: number): string {
  return Number.isFinite(db) ? db.toFixed(2) : '-inf'
}

/**
 * A seeded generator of uniform numbers in [0, 1) (pastream's test helper,
 * mulberry32): the same seed gives the same noise on every run and machine,
 * which is what makes the noise tests and the worker-fx loopback check
 * repeatable.
 */
export const seededRandom: (seed: number) => () => number = prng

/** The signals tone.ts makes (and the other examples play to the loopback). */
export type SignalType = 'sine' | 'sweep' | 'white' | 'pink'
export const signalTypes: readonly SignalType[] = ['sine', 'sweep', 'white', 'pink']

export interface SignalOptions {
  type: SignalType
  frames: number
  samplerate: number
  /** peak level in dBFS: every signal is scaled so its largest sample is exactly this */
  level: number
  /** sine: its frequency in Hz */
  frequency?: number
  /** sweep: start and end frequencies in Hz (logarithmic: equal time per octave) */
  start?: number
  end?: number
  /** white and pink noise: the generator's seed */
  seed?: number
}

/**
 * One channel of a test signal, scaled to a peak of `level` dBFS. Peak, not
 * RMS, so no signal clips: a sine's RMS is then 3.01 dB below the level,
 * uniform white noise's 4.77 dB below, pink noise's about 10-12 dB below
 * (noise peaks are rare).
 */
export function makeSignal(options: SignalOptions): Float32Array {
  const { type, frames, samplerate } = options
  const x = new Float64Array(frames)
  if (type === 'sine') {
    const w = (2 * Math.PI * (options.frequency ?? 1000)) / samplerate
    // sin(w * i) per sample rather than a running phase: no accumulated rounding
    for (let i = 0; i < frames; i++) x[i] = Math.sin(w * i)
  } else if (type === 'sweep') {
    // exponential sweep: f(t) = f0 * k^(t / T), k = f1 / f0; its phase is the integral of 2 pi f(t)
    const f0 = options.start ?? 20
    const f1 = options.end ?? 20000
    const T = frames / samplerate
    const k = f1 / f0
    const scale = f0 === f1 ? 0 : (2 * Math.PI * f0 * T) / Math.log(k)
    for (let i = 0; i < frames; i++) {
      const t = i / samplerate
      x[i] = f0 === f1 ? Math.sin(2 * Math.PI * f0 * t) : Math.sin(scale * (k ** (t / T) - 1))
    }
  } else {
    const random = seededRandom(options.seed ?? 1)
    if (type === 'white') {
      for (let i = 0; i < frames; i++) x[i] = 2 * random() - 1
    } else {
      // Paul Kellet's "refined" pink filter on white noise: a sum of one-pole
      // lowpasses whose combined slope is -3 dB/octave (within +-0.05 dB from
      // about 10 Hz up) at 44.1-48 kHz
      let b0 = 0, b1 = 0, b2 = 0, b3 = 0, b4 = 0, b5 = 0, b6 = 0
      for (let i = 0; i < frames; i++) {
        const white = 2 * random() - 1
        b0 = 0.99886 * b0 + white * 0.0555179
        b1 = 0.99332 * b1 + white * 0.0750759
        b2 = 0.969 * b2 + white * 0.153852
        b3 = 0.8665 * b3 + white * 0.3104856
        b4 = 0.55 * b4 + white * 0.5329522
        b5 = -0.7616 * b5 - white * 0.016898
        x[i] = b0 + b1 + b2 + b3 + b4 + b5 + b6 + white * 0.5362
        b6 = white * 0.115926
      }
    }
  }
  // scale to the exact peak (a sine whose period does not divide the sample
  // rate may never hit its crest exactly; noise has no fixed crest at all)
  let peak = 0
  for (let i = 0; i < frames; i++) peak = Math.max(peak, Math.abs(x[i] as number))
  const gain = peak > 0 ? fromDbfs(options.level) / peak : 0
  const y = new Float32Array(frames)
  for (let i = 0; i < frames; i++) y[i] = (x[i] as number) * gain
  return y
}

/** Repeats one channel into `channels` interleaved channels. */
export function interleave(mono: Float32Array, channels: number): Float32Array {
  if (channels === 1) return mono
  const out = new Float32Array(mono.length * channels)
  for (let i = 0; i < mono.length; i++) out.fill(mono[i] as number, i * channels, (i + 1) * channels)
  return out
}

/** Peak and RMS of one channel of interleaved frames, as amplitudes. */
export function levels(samples: Float32Array, channels: number, channel: number): { peak: number; rms: number; sumSquares: number; frames: number } {
  let peak = 0
  let sumSquares = 0
  const frames = Math.floor(samples.length / channels)
  for (let i = 0; i < frames; i++) {
    const v = samples[i * channels + channel] as number
    const a = Math.abs(v)
    if (a > peak) peak = a
    sumSquares += v * v
  }
  return { peak, rms: frames > 0 ? Math.sqrt(sumSquares / frames) : 0, sumSquares, frames }
}

/** The filters worker-fx offers (Robert Bristow-Johnson's Audio EQ Cookbook). */
export type FilterType = 'lowpass' | 'highpass' | 'bandpass'
export const filterTypes: readonly FilterType[] = ['lowpass', 'highpass', 'bandpass']

/** Normalised biquad coefficients (a0 = 1). */
export interface BiquadCoefficients {
  b0: number
  b1: number
  b2: number
  a1: number
  a2: number
}

/**
 * RBJ cookbook coefficients for a second-order lowpass, highpass or
 * bandpass (constant 0 dB peak gain) at `frequency` Hz with quality `q`
 * (0.7071 is Butterworth: the flattest passband).
 */
export function biquadCoefficients(type: FilterType, frequency: number, q: number, samplerate: number): BiquadCoefficients {
  const w0 = (2 * Math.PI * frequency) / samplerate
  const cos = Math.cos(w0)
  const alpha = Math.sin(w0) / (2 * q)
  const a0 = 1 + alpha
  let b0: number, b1: number, b2: number
  if (type === 'lowpass') [b0, b1, b2] = [(1 - cos) / 2, 1 - cos, (1 - cos) / 2]
  else if (type === 'highpass') [b0, b1, b2] = [(1 + cos) / 2, -(1 + cos), (1 + cos) / 2]
  else [b0, b1, b2] = [alpha, 0, -alpha]
  return { b0: b0 / a0, b1: b1 / a0, b2: b2 / a0, a1: (-2 * cos) / a0, a2: (1 - alpha) / a0 }
}

/**
 * One channel's biquad, transposed direct form II in float64: two state
 * variables, and well behaved at low frequencies in double precision.
 */
export class Biquad {
  readonly #c: BiquadCoefficients
  #z1 = 0
  #z2 = 0

  constructor(coefficients: BiquadCoefficients) {
    this.#c = coefficients
  }

  /** Filters one sample. */
  process(x: number): number {
    const { b0, b1, b2, a1, a2 } = this.#c
    const y = b0 * x + this.#z1
    this.#z1 = b1 * x - a1 * y + this.#z2
    this.#z2 = b2 * x - a2 * y
    return y
  }
}
