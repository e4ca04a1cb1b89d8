// Shared by the tests: seeded signals, temp dirs, comparisons.
import { mkdtempSync, realpathSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { DType } from '@pastream/stream'
import { prng } from '@pastream/core-native/testing'

export { prng }

export type Samples = Float32Array | Int32Array | Int16Array | Int8Array | Uint8Array

/**
 * Interleaved pseudo-random samples of dtype using the top `bits`
 * significant bits of the dtype's range (the rest zero), full scale.
 */
export function noise(dtype: DType, frames: number, channels: number, seed: number, bits?: number): Samples {
  const random = prng(seed)
  const n = frames * channels
  const width = { float32: 32, int32: 32, int24: 24, int16: 16, int8: 8, uint8: 8 }[dtype]
  const keep = bits ?? width
  // a random integer of `keep` bits, left-justified in `width` bits
  const int = (): number => {
    const v = Math.floor(random() * 2 ** keep) - 2 ** (keep - 1)
    return v * 2 ** (width - keep)
  }
  switch (dtype) {
    case 'float32': {
      const a = new Float32Array(n)
      for (let i = 0; i < n; i++) a[i] = Math.fround(random() * 2 - 1)
      return a
    }
    case 'int32': {
      const a = new Int32Array(n)
      for (let i = 0; i < n; i++) a[i] = int()
      return a
    }
    case 'int24': {
      const a = new Uint8Array(n * 3)
      for (let i = 0; i < n; i++) {
        const v = int()
        a[i * 3] = v & 0xff
        a[i * 3 + 1] = (v >> 8) & 0xff
        a[i * 3 + 2] = (v >> 16) & 0xff
      }
      return a
    }
    case 'int16': {
      const a = new Int16Array(n)
      for (let i = 0; i < n; i++) a[i] = int()
      return a
    }
    case 'int8': {
      const a = new Int8Array(n)
      for (let i = 0; i < n; i++) a[i] = int()
      return a
    }
    case 'uint8': {
      const a = new Uint8Array(n)
      for (let i = 0; i < n; i++) a[i] = int() + 128
      return a
    }
  }
}

/** A sine of `frequency` Hz at `amplitude`, the same on every channel, float32. */
export function sine(frames: number, channels: number, samplerate: number, frequency = 440, amplitude = 0.5): Float32Array {
  const a = new Float32Array(frames * channels)
  for (let i = 0; i < frames; i++) {
    const v = amplitude * Math.sin((2 * Math.PI * frequency * i) / samplerate)
    for (let c = 0; c < channels; c++) a[i * channels + c] = v
  }
  return a
}

/** Index of the first differing sample, or -1 when equal (lengths included). */
export function firstDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i
  return a.length === b.length ? -1 : n
}

/** Signal-to-noise ratio in dB of `actual` against `expected` over [from, to) samples. */
export function snr(expected: Float32Array, actual: Float32Array, from: number, to: number): number {
  let signal = 0
  let noise = 0
  for (let i = from; i < to; i++) {
    const e = expected[i] ?? 0
    const d = e - (actual[i] ?? 0)
    signal += e * e
    noise += d * d
  }
  return noise === 0 ? Infinity : 10 * Math.log10(signal / noise)
}

/** A fresh temp directory (real path) and its cleanup. */
export function tempDir(prefix: string): { dir: string; path: (name: string) => string; remove: () => void } {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), `pastream-soundfile-${prefix}-`)))
  return { dir, path: (name: string) => join(dir, name), remove: () => rmSync(dir, { recursive: true, force: true }) }
}
