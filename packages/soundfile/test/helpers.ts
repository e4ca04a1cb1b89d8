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

/** The bytes of a typed array: a view, no copy. */
export const bytesOf = (a: ArrayBufferView): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength)

/**
 * Where `signal` starts in `recording`, in frames of `stride` elements (bytes
 * of a Uint8Array, samples of an Int16Array): the first `probe` frames of the
 * signal must match. -1 when it is not there.
 */
export function findDelay(recording: ArrayLike<number>, signal: ArrayLike<number>, stride: number, probe = 8): number {
  const n = probe * stride
  outer: for (let at = 0; at + n <= recording.length; at += stride) {
    for (let k = 0; k < n; k++) if (recording[at + k] !== signal[k]) continue outer
    return at / stride
  }
  return -1
}

/** Index of the first element where `a` and `b` differ among the first `length` (default: b's length), or -1. */
export function firstDifferenceWithin(a: ArrayLike<number>, b: ArrayLike<number>, length = b.length): number {
  for (let i = 0; i < length; i++) if (a[i] !== b[i]) return i
  return -1
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

/**
 * Runs a recording script (`node script ...args`) that prints its frame
 * count on stdout every few ms, sends `signal` once it reports `atFrames`,
 * and resolves with how it ended and the last count it printed.
 */
export async function signalRecording(
  script: string,
  args: string[],
  atFrames: number,
  signal: NodeJS.Signals,
): Promise<{ ended: NodeJS.Signals | number | null; last: number; stderr: string }> {
  const { spawn } = await import('node:child_process')
  const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  let stderr = ''
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
  let last = 0
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.on('exit', (code, sig) => resolve(sig ?? code)))
  await new Promise<void>((resolve, reject) => {
    let buffered = ''
    child.stdout.on('data', (d: Buffer) => {
      buffered += d.toString()
      const lines = buffered.split('\n')
      buffered = lines.pop() ?? ''
      for (const line of lines) last = Math.max(last, Number(line))
      if (last >= atFrames && !child.killed) {
        child.kill(signal)
        resolve()
      }
    })
    child.on('exit', () => reject(new Error(`child ended before ${signal}: ${stderr}`)))
  })
  return { ended: await exited, last, stderr }
}

export { indexRun, indexSignal, waitFor } from '@pastream/core-native/testing'
